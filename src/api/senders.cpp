#include "api/senders.hpp"

#include "api/lookups.hpp"
#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/eth/erc20.hpp"
#include "core/rpc/fees.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/signature_requests.hpp"

namespace txrelay::api {

namespace {

Error NoUsableSender(std::int64_t chain_id, const std::string& withdrawal_id) {
  const store::SenderCensus census = store::CountSenders(chain_id);
  const std::string chain = "Chain " + std::to_string(chain_id);
  const std::string detail = census.total == 0
                                 ? chain + " has no sender."
                                 : chain + " has " + std::to_string(census.total) +
                                       " sender(s): " + std::to_string(census.paused) + " paused, " +
                                       std::to_string(census.quarantined) + " quarantined, " +
                                       std::to_string(census.nonce_unknown) +
                                       " waiting for their first nonce to be read from the chain.";
  return Error(sqlstate::kNoUsableSender,
               "no usable sender on chain " + std::to_string(chain_id) + " for withdrawal " + withdrawal_id,
               detail, "Add a sender with txrelay.add_sender or resume one with txrelay.set_sender_status.");
}

// A gap filler: a zero-value transfer to the sender itself, which only consumes the nonce.
store::SignatureCall GapFillerCall(const std::string& from_address) {
  return store::SignatureCall{from_address, "0", {}};
}

}  // namespace

store::SignatureCall PaymentCall(const store::WithdrawalRow& w, const AssetInfo& asset) {
  if (!asset.contract) return store::SignatureCall{w.to_address, w.amount, {}};
  return store::SignatureCall{
      *asset.contract, "0",
      eth::Erc20TransferCalldata(ParseAddress(w.to_address, "to_address"),
                                 ParseAmount(w.amount, "amount", AmountRule::kPositive))};
}

store::LockedSender PickSender(std::int64_t chain_id, const std::string& withdrawal_id) {
  store::SenderPick pick = store::PickSender(chain_id, kSenderWaitMs);
  if (pick.busy) {
    throw Error(sqlstate::kSendersBusy,
                "every sender of chain " + std::to_string(chain_id) + " is held by another transaction",
                "Withdrawal " + withdrawal_id + " waited " + std::to_string(kSenderWaitMs) +
                    " ms for a sender; their nonces are being reserved by transactions still open. Nothing "
                    "was written.",
                "Retry the call. If it persists, look for sessions idle in transaction (pg_stat_activity) "
                "and set idle_in_transaction_session_timeout for the application's login.");
  }
  if (!pick.sender) throw NoUsableSender(chain_id, withdrawal_id);
  return std::move(*pick.sender);
}

std::string CreateSignatureRequest(const store::WithdrawalRow& w, SignatureKind kind,
                                   const std::string& from_address, std::int64_t nonce, bool has_signer) {
  const bool gap_filler = kind == SignatureKind::kGapFiller;
  const store::SignatureCall call =
      gap_filler ? GapFillerCall(from_address) : PaymentCall(w, RequireAsset(w.chain_id, w.asset));
  const std::string id = store::CreateSignatureRequest(w.id, gap_filler ? "gap_filler" : "withdrawal",
                                                       w.chain_id, from_address, nonce, call);
  if (has_signer) store::EnqueueSign(w.chain_id, w.id, id);
  return id;
}

std::string CreateGapFillerRequest(const store::WithdrawalRow& w, const std::string& from_address,
                                   std::int64_t nonce, bool has_signer) {
  const auto top = store::HighestFeesAtNonce(w.chain_id, from_address, nonce);
  if (!top) return CreateSignatureRequest(w, SignatureKind::kGapFiller, from_address, nonce, has_signer);
  auto wei = [](const std::string& text, const char* field) {
    return ParseAmount(text, field, AmountRule::kNonNegative);
  };
  const rpc::FeeQuote floor =
      rpc::ReplacementFloor({wei(top->max_fee_per_gas, "max_fee_per_gas"),
                             wei(top->max_priority_fee_per_gas, "max_priority_fee_per_gas")},
                            wei(top->max_fee_per_gas_cap, "max_fee_per_gas_cap"),
                            wei(top->max_priority_fee_cap, "max_priority_fee_cap"));
  const std::string id = store::CreateReplacingRequest(
      w.id, "gap_filler", w.chain_id, from_address, nonce, GapFillerCall(from_address), top->attempt_id,
      ToDecimal(floor.max_fee_per_gas), ToDecimal(floor.max_priority_fee_per_gas));
  if (has_signer) store::EnqueueSign(w.chain_id, w.id, id);
  return id;
}

}  // namespace txrelay::api
