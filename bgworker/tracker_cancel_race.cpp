// A cancel after approval is a race on chain (decision 66): the withdrawal waits in `cancelling`
// with its money reserved while our gap filler and any signed payment compete for the nonce.
// The gap filler final -> cancelled and RELEASE (its gas as the fee); the payment mined -> the
// cancel lost, the withdrawal follows the paid path (COMMIT at its tier's level). And the second
// line: a payment mined for a withdrawal whose money was already released is never silent.

#include "bgworker/log_ids.hpp"
#include "bgworker/tracker.hpp"
#include "core/log_ids.hpp"
#include "core/tracking.hpp"
#include "pg/worker.hpp"
#include "store/attempts.hpp"
#include "store/ledger.hpp"
#include "store/senders.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

Uint256 Wei(const std::string& text) { return ParseAmount(text, "amount", AmountRule::kNonNegative); }

nlohmann::json Ids(const store::IncludedAttempt& a, const std::string& where) {
  return nlohmann::json{{"attempt_id", a.attempt_id}, {"nonce", a.nonce}, {"where", where}};
}

}  // namespace

// Our gap filler holds the nonce in a block. Still cancelling: settled once the block is final
// (a reorg could yet bring the payment in). Reorged out of its payment's block before: the nonce
// is the gap filler's now, so the withdrawal races again as a cancel.
void Tracker::GapFillerIncluded(const store::IncludedAttempt& a, const std::string& where) {
  if (a.withdrawal_status != "reorged") return;
  store::MoveStatus(a.withdrawal_id, "reorged", "cancelling",
                    "after a reorg our gap filler took the nonce: " + where);
}

void Tracker::CancelLost(const store::IncludedAttempt& a, const std::string& where) {
  store::MoveStatus(a.withdrawal_id, "cancelling", "included",
                    "the payment was mined before the cancel's gap filler: included in " + where);
  store::AddNote(a.withdrawal_id, "cancel_lost",
                 "the cancel lost the race: the signed payment was mined first; the withdrawal is paid",
                 Ids(a, where).dump());
  store::Notify("cancel_lost", a.withdrawal_id);
  pg::worker::LogWarning("txrelay tracker: a cancel lost its race, the payment was mined in " + where + " " +
                         WithdrawalLogIds(a.withdrawal_id, a.attempt_id));
}

// The money was released (cancelled, rejected, failed, replaced externally) and yet one of our
// signed payments is in a block: the customer was refunded and paid. Nothing is moved (the ledger
// is append-only, a person decides); it is made loud: a note (the alert paid_after_release),
// the sender quarantined, a CRITICAL log line; verify_ledger() and reconciliation report it too.
void Tracker::PaidAfterRelease(std::int64_t chain, const store::IncludedAttempt& a, const rpc::Receipt& r,
                               const std::string& where) {
  const std::string reason = "a payment of withdrawal " + a.withdrawal_id + " (" + a.withdrawal_status +
                             ", its amount released) was mined in " + where;
  store::AddNote(a.withdrawal_id, "paid_after_release", reason, Ids(a, where).dump());
  store::Quarantine(chain, a.from_address,
                    reason +
                        "; reconcile the customer's account before txrelay.set_sender_status(..., "
                        "'active', ...)");
  pg::worker::LogWarning("txrelay tracker: CRITICAL: " + reason + "; sender " + a.from_address +
                         " quarantined " + WithdrawalLogIds(a.withdrawal_id, a.attempt_id, r.tx_hash));
}

// Cancels whose gap filler is in a final block: the nonce is consumed unpaid for good. (A payment
// found in a block for a cancelling withdrawal means the cancel lost: never a RELEASE.)
bool Tracker::SettleCancelRaces(std::int64_t chain, const Heads& heads) {
  bool changed = false;
  for (const store::CancelRace& c : store::DecidedCancelRaces(chain)) {
    if (c.pays) {
      store::IncludedAttempt lost;
      lost.attempt_id = c.attempt_id;
      lost.withdrawal_id = c.withdrawal_id;
      CancelLost(lost, "block " + std::to_string(c.block_number) + ", tx " + c.tx_hash);
      changed = true;
      continue;
    }
    if (InclusionLevel(c.block_number, heads) != WithdrawalStatus::kFinalized) continue;
    const std::string at = "block " + std::to_string(c.block_number) + ", tx " + c.tx_hash;
    if (!store::MoveStatus(c.withdrawal_id, "cancelling", "cancelled",
                           "cancelled: our gap filler took the nonce and is final in " + at))
      continue;
    store::PostWithdrawalEntry(c.withdrawal_id, "RELEASE",
                               ReceiptFee(Wei(c.gas_used), Wei(c.effective_gas_price), Wei(c.rollup_fee)));
    store::Notify("cancelled", c.withdrawal_id);
    changed = true;
  }
  return changed;
}

}  // namespace txrelay::bgworker
