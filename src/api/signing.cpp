// Signed transactions (DESIGN §3): decoding for anyone, and submit_signed, which accepts a signed
// transaction only if it is exactly what its signature request fixed, and records it as an
// attempt (raw bytes and hash before any send) with its broadcast outbox row in one transaction.

#include <optional>
#include <string>
#include <vector>

#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/eth/signed_tx_check.hpp"
#include "core/eth/transaction.hpp"
#include "core/eth/tx_json.hpp"
#include "api/signing_rules.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

eth::SignedTx DecodeArg(const pg::Args& args, int i) {
  const std::string raw = args.Bytea(i, "raw_tx", eth::kMaxRawTxBytes);
  return eth::DecodeSignedTx(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
}

Error NoSuchRequest(const std::string& id) {
  return InvalidArgument("signature_request_id", "does not name a signature request",
                         "No signature request " + id + ".");
}

// A request already signed: the same bytes again are a replay (the attempt recorded), others TR007.
Datum ReplayOrReused(const std::string& request_id, const std::string& tx_hash) {
  const auto prior = store::AttemptOfRequest(request_id);
  if (prior && prior->tx_hash == tx_hash) return prior->row;
  throw Error(sqlstate::kAlreadyUsed, "signature request " + request_id + " was already used",
              "It is signed by transaction " + (prior ? prior->tx_hash : std::string("?")) + "; this is " +
                  tx_hash + ".",
              "A signature request is signed once; a fee bump gets its own request.");
}

// Records the verified transaction: the attempt, the request signed, the withdrawal's move (or a
// note for a gap filler or fee bump) and the broadcast job, in the caller's transaction.
store::RecordedAttempt Record(const std::string& request_id, const store::LockedRequest& req,
                              const store::WithdrawalRow& w, const eth::SignedTx& tx) {
  const store::RecordedAttempt attempt =
      store::InsertAttempt({request_id, std::vector<std::uint8_t>(tx.hash.begin(), tx.hash.end()), tx.raw,
                            static_cast<int>(tx.tx.type), static_cast<std::int64_t>(tx.tx.gas_limit),
                            ToDecimal(tx.tx.FeeCap()), ToDecimal(tx.tx.TipCap())});
  store::MarkSigned(request_id);
  const api::SignedMark mark = api::MarkOfSigned(req, w, attempt.attempt_id, attempt.tx_hash);
  if (mark.moves_to_signed) {
    store::SetStatus(w.id, "signed", mark.reason);
  } else {
    store::AddNote(w.id, mark.note_event, mark.reason);
  }
  if (mark.sends) store::EnqueueBroadcast(w.chain_id, w.id, request_id, attempt.attempt_id);
  return attempt;
}

}  // namespace

// decode_raw_tx(raw_tx bytea) -> jsonb: type, chain_id, nonce, to, value, data, gas, fees,
// access list, ERC-20 transfer, signature, sender, hash. TR005 for anything that is not a valid
// signed transaction of type 0, 1 or 2.
TXRELAY_SQL_FUNCTION(txrelay_decode_raw_tx) {
  const pg::Args args(fcinfo);
  const std::string json = eth::TxToJson(DecodeArg(args, 0));
  const char* text = json.c_str();
  return pg::Call([=] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text)); });
}

// submit_signed(signature_request_id uuid, raw_tx bytea) -> attempts
TXRELAY_SQL_FUNCTION(txrelay_submit_signed) {
  const pg::Args args(fcinfo);
  const std::string request_id = pg::TextOfUuid(args.Uuid(0, "signature_request_id"));
  const eth::SignedTx tx = DecodeArg(args, 1);
  const std::string tx_hash = ToHex(tx.hash.data(), tx.hash.size());

  pg::SpiConnection spi;
  // Lock order as everywhere: the withdrawal, then what hangs from it.
  const auto owner = store::WithdrawalOfRequest(request_id);
  if (!owner) throw NoSuchRequest(request_id);
  const store::WithdrawalRow w = api::LockWithdrawal(*owner, "signature_request_id");
  const auto req = store::LockSignatureRequest(request_id);
  if (!req) throw NoSuchRequest(request_id);
  if (req->status == "signed") return ReplayOrReused(request_id, tx_hash);
  api::CheckSignable(request_id, *req, w);
  eth::CheckSignedTx(tx, api::Expected(*req));
  return Record(request_id, *req, w, tx).row;
}
