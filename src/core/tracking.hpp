// The tracker's judgements (DESIGN §4, §5), as pure functions of what the chain says: which level
// an inclusion has reached, whether a risk tier's completion is reached, what a receipt cost,
// and what became of a transaction that is not in a block.
#pragma once

#include <cstdint>

#include "core/amount.hpp"
#include "core/completion.hpp"
#include "core/withdrawal_status.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

struct Heads {
  std::uint64_t latest = 0;
  std::uint64_t safe = 0;
  std::uint64_t finalized = 0;
};

// For a chain without safe/finalized tags: by depth below the latest block (floored at 0).
Heads HeadsByDepth(std::uint64_t latest, std::uint64_t safe_depth, std::uint64_t finalized_depth);

// The furthest of included / safe / finalized that an inclusion in block `block` has reached.
WithdrawalStatus InclusionLevel(std::uint64_t block, const Heads& heads);

// Whether a withdrawal included in `block` has reached its tier's completion level:
// 'included:N' when N blocks sit on top of its block, 'safe' / 'finalized' with the tags.
bool CompletionReached(const Completion& completion, std::uint64_t block, const Heads& heads);

// What the sender paid for gas (wei): gas used x effective gas price, plus what a rollup charges
// on top (OP stack: the L1 data fee and the operator fee, core/rpc/rollup_fee).
Uint256 ReceiptFee(const Uint256& gas_used, const Uint256& effective_gas_price,
                   const Uint256& rollup_fee = 0);

// A sent transaction that is not in a block we have seen.
enum class PendingVerdict {
  kWait,       // not long enough to judge
  kPending,    // the node has it, waiting for a block
  kStuck,      // the sender's next nonce, pending for at least `stuck_blocks`: ask for a fee bump
  kMined,      // the node has it in a block we have not processed: take its receipt
  kDropped,    // unknown to the node, its nonce still free: resend the same bytes (unless
               // priced out: the node would refuse them, so wait, then bump as kStuck)
  kNonceUsed,  // unknown to the node, its nonce used: another attempt of ours, or not ours
};

struct PendingObservation {
  std::uint64_t pending_blocks = 0;      // blocks since the tracker first saw it sent
  bool known_to_node = false;            // eth_getTransactionByHash is not null
  bool in_block = false;                 // ... and has a block number
  std::uint64_t sender_mined_nonce = 0;  // eth_getTransactionCount(sender, latest)
  std::uint64_t nonce = 0;
  bool priced_out = false;  // its max fee per gas is below the latest base fee
};

PendingVerdict JudgePending(const PendingObservation& o, std::uint64_t check_after_blocks,
                            std::uint64_t stuck_blocks);

}  // namespace txrelay
