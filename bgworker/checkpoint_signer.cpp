#include "bgworker/checkpoint_signer.hpp"

#include "bgworker/audit.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/eth/personal_sign.hpp"
#include "store/ledger.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {

constexpr std::int64_t kLookEveryMs = 5000;    // a cheap query; checkpoints come every hour or so
constexpr std::int64_t kRetryAfterMs = 30000;  // after the signer failed

// The 65 signature bytes of an eth_sign answer ("0x" + 130 hex digits), or nullopt.
std::optional<Bytes> SignatureOf(const rpc::Reply* reply) {
  if (!reply || reply->is_error || !reply->result.is_string()) return std::nullopt;
  const auto bytes = FromHex(reply->result.get<std::string>());
  if (!bytes || bytes->size() != 65) return std::nullopt;
  return bytes;
}

}  // namespace

bool CheckpointSigner::RunIfDue() {
  const std::int64_t now = pg::worker::NowMs();
  if (now < next_look_ms_) return false;
  next_look_ms_ = now + kLookEveryMs;
  std::vector<store::CheckpointToSign> due;
  {
    pg::WorkerTransaction txn;
    due = store::CheckpointsToSign(5);
    txn.Commit();
  }
  bool signed_one = false;
  for (const auto& c : due) {
    Target signer;
    signer.url = c.signer_url;
    signer.redacted = c.signer_url_redacted;
    signer.connect_timeout_ms = settings.signer_connect_timeout_ms;
    signer.request_timeout_ms = settings.signer_timeout_ms;
    if (!Sign(c.version, c.hash_hex, c.address, signer)) {
      next_look_ms_ = now + kRetryAfterMs;
      break;
    }
    signed_one = true;
  }
  return signed_one;
}

bool CheckpointSigner::Sign(std::int64_t version, const std::string& hash_hex, const std::string& address,
                            const Target& signer) {
  pg::worker::ReportActive("signing ledger checkpoint " + std::to_string(version));
  Exchange ex = WriteExchange({signer});
  AddCall(ex, "eth_sign", nlohmann::json::array({address, hash_hex}), CallIds{});
  gateway_.Run({&ex});
  const auto signature = SignatureOf(ReplyAt(ex, 0));
  const auto recovered =
      signature ? eth::RecoverPersonalSigner(*FromHex(hash_hex), *signature) : eth::RecoveredSigner{};
  const bool ok = recovered.address && recovered.address->Checksummed() == address;
  pg::WorkerTransaction txn;
  WriteAudit(ex);
  if (ok) store::RecordCheckpointSignature(version, address, *signature);
  txn.Commit();
  const std::string what = "ledger checkpoint " + std::to_string(version) + " (hash " + hash_hex + ")";
  if (!ok) {
    pg::worker::LogWarning("txrelay tracker: " + what + " not signed: the audit signer " + signer.redacted +
                           (signature ? " answered a signature that is not " + address + "'s"
                                      : " did not answer a signature: " + ex.last_error) +
                           "; retrying in 30 s");
    return false;
  }
  pg::worker::LogInfo("txrelay tracker: " + what + " signed by " + address + ": " +
                      ToHex(signature->data(), signature->size()));
  return true;
}

}  // namespace txrelay::bgworker
