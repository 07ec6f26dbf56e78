// A round's receipts of ours recorded, inside the caller's transaction, one statement per table
// where every inclusion is handled alike: the attempts included, the other attempts at their
// nonces lost, the jobs they made moot cancelled, the withdrawals locked and moved to included.
// A gap filler, a payment after a release and a payment that beat its cancel are decided one by
// one (tracker_cancel_race.cpp).

#include <algorithm>
#include <cctype>

#include "bgworker/log_ids.hpp"
#include "bgworker/tracker.hpp"
#include "core/status_sets.hpp"
#include "pg/worker.hpp"
#include "store/attempts.hpp"
#include "store/ledger.hpp"
#include "store/outbox.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string InclusionWhere(const rpc::Receipt& r) {
  return "block " + std::to_string(r.block_number) + " (" + r.block_hash + "), tx " + r.tx_hash +
         (r.status == 1 ? "" : ", reverted (receipt status 0)");
}

// Completed before a reorg (an included:N tier) and now in another block: the COMMIT stays
// (resolved once, append-only) with the fee known then; the fee actually paid is recorded.
void NoteFeeChange(const std::optional<std::string>& committed, const store::IncludedAttempt& a,
                   const rpc::Receipt& r) {
  const Uint256 fee = ReceiptFee(r.gas_used, r.effective_gas_price, r.rollup_fee);
  if (!committed || ParseAmount(*committed, "fee", AmountRule::kNonNegative) == fee) return;
  store::AddNote(a.withdrawal_id, "fee_changed_after_completion",
                 "included again after its completion, in " + InclusionWhere(r) + ": the fee paid is " +
                     ToDecimal(fee) + " wei, the COMMIT recorded " + *committed,
                 nlohmann::json{{"attempt_id", a.attempt_id},
                                {"tx_hash", r.tx_hash},
                                {"block_number", r.block_number},
                                {"fee_committed", *committed},
                                {"fee_final", ToDecimal(fee)}}
                     .dump());
  pg::worker::LogWarning("txrelay tracker: a completed withdrawal was included again at another fee (" +
                         *committed + " -> " + ToDecimal(fee) + " wei) " +
                         WithdrawalLogIds(a.withdrawal_id, a.attempt_id, r.tx_hash));
}

// One attempt per nonce is ever included: the others (fee bumps, or the bumped one) lost; and
// nothing at its nonce needs sending or signing any more (a resend asked for after a reorg that
// moved it, a fee bump asked for while it was on its way into a block).
void SettleNonces(std::int64_t chain, const std::vector<store::IncludedAttempt>& included) {
  std::vector<store::NonceWinner> winners;
  std::vector<store::SettledNonce> settled;
  for (const auto& a : included) {
    winners.push_back({a.from_address, a.nonce, a.attempt_id});
    settled.push_back({a.from_address, a.nonce, a.tx_hash});
  }
  store::ReplaceOthersAtNonces(chain, winners);
  store::CancelSettledMany(chain, settled);
}

}  // namespace

void Tracker::RecordInclusions(std::int64_t chain, const std::vector<rpc::Receipt>& receipts) {
  std::map<std::string, const rpc::Receipt*> by_hash;  // the first receipt of a hash is recorded
  std::vector<store::Inclusion> inclusions;
  for (const auto& r : receipts) {
    if (!by_hash.emplace(Lower(r.tx_hash), &r).second) continue;
    inclusions.push_back({r.tx_hash, r.block_hash, r.block_number, r.status, ToDecimal(r.gas_used),
                          ToDecimal(r.effective_gas_price), ToDecimal(r.rollup_fee)});
  }
  if (inclusions.empty()) return;
  std::vector<store::IncludedAttempt> included = store::IncludeAttempts(inclusions);
  if (included.empty()) return;  // all recorded already
  SettleNonces(chain, included);
  std::vector<std::string> withdrawals;
  for (const auto& a : included) withdrawals.push_back(a.withdrawal_id);
  const auto fees = store::CommittedFees(withdrawals);
  // Decide on each withdrawal's status as it is now, row locked: a cancel() committing meanwhile
  // (broadcasted -> cancelling) must be seen, or the paid withdrawal would stay cancelling.
  const std::map<std::string, std::string> status_now = store::LockStatuses(withdrawals);
  InclusionMoves moves;
  for (auto& a : included) {
    const rpc::Receipt& r = *by_hash.at(Lower(a.tx_hash));
    const auto fee = fees.find(a.withdrawal_id);
    NoteFeeChange(fee == fees.end() ? std::nullopt : std::optional<std::string>(fee->second), a, r);
    if (const auto now = status_now.find(a.withdrawal_id); now != status_now.end())
      a.withdrawal_status = now->second;
    DecideInclusion(chain, a, r, moves);
  }
  store::MoveStatuses(moves.found, "signed", "broadcasted", moves.found_reasons);
  store::MoveStatuses(moves.included, "broadcasted", "included", moves.included_reasons);
  store::MoveStatuses(moves.again, "reorged", "included", moves.again_reasons);
}

void Tracker::DecideInclusion(std::int64_t chain, const store::IncludedAttempt& a, const rpc::Receipt& r,
                              InclusionMoves& moves) {
  const std::string where = InclusionWhere(r);
  if (!a.pays) return GapFillerIncluded(a, where);
  // (A reverted payment paid nothing: a failed withdrawal's transaction mined again after a reorg.)
  if (Contains(StatusSet::kEndedUnpaid, a.withdrawal_status) && r.status == 1)
    return PaidAfterRelease(chain, a, r, where);
  if (a.withdrawal_status == "cancelling") return CancelLost(a, where);
  if (a.withdrawal_status == "signed") {  // a send recorded only on chain (the broadcaster died first)
    moves.found.push_back(a.withdrawal_id);
    moves.found_reasons.push_back("found on chain: " + where);
  }
  if (a.withdrawal_status == "signed" || a.withdrawal_status == "broadcasted") {
    moves.included.push_back(a.withdrawal_id);
    moves.included_reasons.push_back("included in " + where);
  } else if (a.withdrawal_status == "reorged") {
    moves.again.push_back(a.withdrawal_id);
    moves.again_reasons.push_back("included again in " + where);
  }
}

}  // namespace txrelay::bgworker
