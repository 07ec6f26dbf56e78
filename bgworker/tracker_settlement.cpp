// The database side of the tracker, inside the caller's transaction (inclusions are recorded in
// tracker_inclusions.cpp): a reorg undone, withdrawals moved along included -> safe -> finalized
// and completed at their tier's level with the ledger settled (COMMIT with the receipt's fee, or RELEASE
// after a revert), and a nonce taken by a transaction not ours ending its withdrawal as replaced_externally
// with the sender quarantined. Which moves are possible is the state machine's to say
// (core/withdrawal_status).

#include "bgworker/log_ids.hpp"
#include "bgworker/tracker.hpp"
#include "core/completion.hpp"
#include "core/log_ids.hpp"
#include "core/status_sets.hpp"
#include "core/withdrawal_status.hpp"
#include "pg/worker.hpp"
#include "store/attempts.hpp"
#include "store/ledger.hpp"
#include "store/outbox.hpp"
#include "store/senders.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

Uint256 Wei(const std::optional<std::string>& text) {
  return text ? ParseAmount(*text, "amount", AmountRule::kNonNegative) : Uint256(0);
}

bool Allows(const std::string& status, WithdrawalStatus to) {
  const auto from = ParseWithdrawalStatus(status);
  return from && CanTransition(*from, to);
}

}  // namespace

void Tracker::UndoReorged(std::int64_t chain, std::uint64_t fork, std::uint64_t latest) {
  for (const store::ReorgedInclusion& g : store::InclusionsAbove(chain, fork)) {
    store::Uninclude(g.attempt_id, latest);
    const std::string reason = "reorg: block " + std::to_string(g.block_number) + " (" + g.block_hash +
                               ") left the canonical chain with tx " + g.tx_hash;
    if (Allows(g.withdrawal_status, WithdrawalStatus::kReorged)) {
      store::MoveStatus(g.withdrawal_id, g.withdrawal_status, "reorged", reason);
      store::Notify("reorged", g.withdrawal_id);
    }
    if (g.withdrawal_status == "safe" || g.withdrawal_status == "finalized") {
      pg::worker::LogWarning("txrelay tracker: CRITICAL: a " + g.withdrawal_status +
                             " inclusion was reorged out: " + reason + " " +
                             WithdrawalLogIds(g.withdrawal_id, g.attempt_id, g.tx_hash));
    }
    store::EnqueueResend(g.attempt_id, reason);  // anvil forgets reorged transactions; geth re-injects them
  }
  store::ForgetBlocksAbove(chain, fork);
}

// A finalized withdrawal without completion was moved by hand (the owner may write the table):
// it is settled like any other, when the chain says its tier's level is reached.
bool Tracker::AdvanceWithdrawals(std::int64_t chain, const Heads& heads) {
  bool changed = SettleCancelRaces(chain, heads);
  Settlements s;
  for (const store::OpenInclusion& w : store::OpenInclusions(chain)) {
    if (w.receipt_status == 0) {
      changed |= AdvanceReverted(w, heads);
    } else {
      PlanAdvance(w, heads, s);
    }
  }
  changed |= ApplySettlements(s);
  return changed;
}

namespace {

std::string Where(const store::OpenInclusion& w) {
  return "block " + std::to_string(w.block_number) + ", tx " + w.tx_hash;
}

Uint256 FeeOf(const store::OpenInclusion& w) {
  return ReceiptFee(Wei(w.gas_used), Wei(w.effective_gas_price), Wei(w.rollup_fee));
}

}  // namespace

// Reverted: final once the tier's level is reached (a reorg could still bring it back mined
// differently); the amount is released, the gas it burned is the fee.
bool Tracker::AdvanceReverted(const store::OpenInclusion& w, const Heads& heads) {
  const Completion completion = ParseCompletion(w.completion, "completion");
  const WithdrawalStatus level = InclusionLevel(w.block_number, heads);
  const std::string at = Where(w);
  if (!CompletionReached(completion, w.block_number, heads)) {
    return level != WithdrawalStatus::kIncluded && w.status == "included" &&
           store::MoveStatus(w.withdrawal_id, "included", "safe", "safe: " + at);
  }
  store::MoveStatus(w.withdrawal_id, w.status, "failed", "reverted on chain (receipt status 0) in " + at);
  store::PostWithdrawalEntry(w.withdrawal_id, "RELEASE", FeeOf(w));
  store::Notify("failed", w.withdrawal_id);
  return true;
}

// Paid: on to safe or finalized as the heads say, and completed (COMMIT with the fee, a note, a
// notification) at the tier's level.
void Tracker::PlanAdvance(const store::OpenInclusion& w, const Heads& heads, Settlements& s) {
  const Completion completion = ParseCompletion(w.completion, "completion");
  const WithdrawalStatus level = InclusionLevel(w.block_number, heads);
  const std::string at = Where(w);
  if (level == WithdrawalStatus::kSafe && w.status == "included") {
    s.to_safe.push_back(w.withdrawal_id);
    s.to_safe_reasons.push_back("safe: " + at);
  } else if (level == WithdrawalStatus::kFinalized) {
    auto& [ids, reasons] = s.to_final[w.status];
    ids.push_back(w.withdrawal_id);
    reasons.push_back("finalized: " + at);
  }
  if (!CompletionReached(completion, w.block_number, heads) || w.completed) return;
  const Uint256 fee = FeeOf(w);
  s.completed.push_back(w.withdrawal_id);
  s.fees.push_back(fee);
  s.notes.push_back("completed at its tier's level (" + completion.Text() + ") in " + at);
  s.details.push_back(nlohmann::json{
      {"completion", completion.Text()},
      {"block_number", w.block_number},
      {"tx_hash", w.tx_hash},
      {"fee",
       ToDecimal(fee)}}.dump());
}

// In the order a single withdrawal's settlement is written: its status moves, completed_at, the
// COMMIT entry, the note, the notification.
bool Tracker::ApplySettlements(const Settlements& s) {
  std::size_t moved = store::MoveStatuses(s.to_safe, "included", "safe", s.to_safe_reasons);
  for (const auto& [from, moves] : s.to_final)
    moved += store::MoveStatuses(moves.first, from, "finalized", moves.second);
  if (s.completed.empty()) return moved > 0;
  store::MarkCompletedMany(s.completed);
  store::PostWithdrawalEntries(s.completed, "COMMIT", s.fees);
  store::AddNotes(s.completed, "completed", s.notes, s.details);
  store::NotifyMany("completed", s.completed);
  return true;
}

void Tracker::ReplacedExternally(std::int64_t chain, const std::string& from, std::uint64_t nonce,
                                 const std::string& replacing_tx) {
  const auto holder = store::HolderOfNonce(chain, from, nonce);
  if (!holder) return;
  const std::string culprit =
      replacing_tx.empty() ? "a transaction not made by txrelay" : "transaction " + replacing_tx;
  const std::string reason = "nonce " + holder->nonce_key + " was used on chain by " + culprit;
  store::ReplaceOthersAtNonce(chain, from, static_cast<std::int64_t>(nonce), std::nullopt);
  // (The move is conditional on the status read: a cancel committed meanwhile changes it, and
  // then nothing is released here - the next check sees the cancelling withdrawal.)
  if (Allows(holder->status, WithdrawalStatus::kReplacedExternally) &&
      store::MoveStatus(holder->withdrawal_id, holder->status, "replaced_externally", reason)) {
    store::PostWithdrawalEntry(holder->withdrawal_id, "RELEASE");
    store::Notify("replaced_externally", holder->withdrawal_id);
  } else {
    store::AddNote(holder->withdrawal_id, "nonce_used_externally", reason,
                   nlohmann::json{{"nonce_key", holder->nonce_key}, {"replacing_tx", replacing_tx}}.dump());
  }
  // The sender's key was used outside txrelay: no further nonce until an operator has looked.
  store::Quarantine(chain, from,
                    reason + " (withdrawal " + holder->withdrawal_id +
                        "); investigate the key before txrelay.set_sender_status(..., 'active', ...)");
  pg::worker::LogWarning(
      "txrelay tracker: CRITICAL: " + reason + "; sender " + from + " quarantined " +
      FormatLogIds({holder->withdrawal_id, holder->idempotency_key, holder->nonce_key, "", replacing_tx}));
}

}  // namespace txrelay::bgworker
