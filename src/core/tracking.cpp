#include "core/tracking.hpp"

namespace txrelay {

Heads HeadsByDepth(std::uint64_t latest, std::uint64_t safe_depth, std::uint64_t finalized_depth) {
  Heads h;
  h.latest = latest;
  h.safe = latest > safe_depth ? latest - safe_depth : 0;
  h.finalized = latest > finalized_depth ? latest - finalized_depth : 0;
  return h;
}

WithdrawalStatus InclusionLevel(std::uint64_t block, const Heads& heads) {
  if (block <= heads.finalized) return WithdrawalStatus::kFinalized;
  if (block <= heads.safe) return WithdrawalStatus::kSafe;
  return WithdrawalStatus::kIncluded;
}

bool CompletionReached(const Completion& c, std::uint64_t block, const Heads& heads) {
  // A finalized block reaches every tier: on a node whose tags follow latest (ganache, a dev
  // chain) a block is finalized before it has N confirmations, and a finalized withdrawal is
  // no longer followed, so it must complete now.
  if (block <= heads.finalized) return true;
  switch (c.level) {
    case Completion::Level::kIncluded:
      return heads.latest >= block && heads.latest - block >= static_cast<std::uint64_t>(c.confirmations);
    case Completion::Level::kSafe:
      return block <= heads.safe;
    case Completion::Level::kFinalized:
      return block <= heads.finalized;
  }
  return false;
}

Uint256 ReceiptFee(const Uint256& gas_used, const Uint256& effective_gas_price, const Uint256& rollup_fee) {
  return gas_used * effective_gas_price + rollup_fee;
}

PendingVerdict JudgePending(const PendingObservation& o, std::uint64_t check_after_blocks,
                            std::uint64_t stuck_blocks) {
  if (o.pending_blocks < check_after_blocks) return PendingVerdict::kWait;
  if (o.known_to_node) {
    if (o.in_block) return PendingVerdict::kMined;
    // Only the sender's next nonce can be held up by its own price: one above it waits for the
    // nonces below (a dropped one is re-sent), and a higher fee would not move it (decision 55).
    const bool next_in_line = o.nonce <= o.sender_mined_nonce;
    return o.pending_blocks >= stuck_blocks && next_in_line ? PendingVerdict::kStuck
                                                            : PendingVerdict::kPending;
  }
  // Unknown by hash: anvil forgets reorged and dropped transactions, so the nonce decides.
  if (o.sender_mined_nonce > o.nonce) return PendingVerdict::kNonceUsed;
  // A node evicts what the base fee has priced out (anvil does at once): the same bytes would be
  // refused, so only a fee bump helps - after stuck_blocks, as for one waiting in the pool.
  if (o.priced_out) return o.pending_blocks >= stuck_blocks ? PendingVerdict::kStuck : PendingVerdict::kWait;
  return PendingVerdict::kDropped;
}

}  // namespace txrelay
