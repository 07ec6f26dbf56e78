#include "core/tracking.hpp"

#include "test_support.hpp"

using namespace txrelay;
using S = WithdrawalStatus;

TEST(Tracking, HeadsByDepthFloorAtGenesis) {
  const Heads h = HeadsByDepth(100, 32, 64);
  EXPECT_EQ(h.safe, 68u);
  EXPECT_EQ(h.finalized, 36u);
  const Heads early = HeadsByDepth(10, 32, 64);
  EXPECT_EQ(early.safe, 0u);
  EXPECT_EQ(early.finalized, 0u);
}

TEST(Tracking, InclusionLevel) {
  const Heads h{100, 90, 80};
  EXPECT_EQ(InclusionLevel(95, h), S::kIncluded);
  EXPECT_EQ(InclusionLevel(90, h), S::kSafe);
  EXPECT_EQ(InclusionLevel(81, h), S::kSafe);
  EXPECT_EQ(InclusionLevel(80, h), S::kFinalized);
  EXPECT_EQ(InclusionLevel(1, h), S::kFinalized);
}

TEST(Tracking, CompletionByTier) {
  const Heads h{100, 90, 80};
  const auto included = [](int n) {
    Completion c;
    c.level = Completion::Level::kIncluded;
    c.confirmations = n;
    return c;
  };
  EXPECT_TRUE(CompletionReached(included(0), 100, h));   // in the latest block
  EXPECT_FALSE(CompletionReached(included(1), 100, h));  // needs one block on top
  EXPECT_TRUE(CompletionReached(included(1), 99, h));
  EXPECT_TRUE(CompletionReached(included(12), 88, h));
  EXPECT_FALSE(CompletionReached(included(12), 89, h));
  EXPECT_FALSE(CompletionReached(included(0), 101, h));  // a block we have not reached
  Completion safe;
  safe.level = Completion::Level::kSafe;
  EXPECT_TRUE(CompletionReached(safe, 90, h));
  EXPECT_FALSE(CompletionReached(safe, 91, h));
  Completion finalized;
  EXPECT_TRUE(CompletionReached(finalized, 80, h));
  EXPECT_FALSE(CompletionReached(finalized, 81, h));
  // A node whose tags follow latest (ganache): the block is finalized before it has one block on
  // top, and a finalized block reaches every tier (issue 19: it was never completed).
  const Heads dev{6, 6, 6};
  EXPECT_TRUE(CompletionReached(included(1), 6, dev));
  EXPECT_TRUE(CompletionReached(included(12), 6, dev));
  EXPECT_FALSE(CompletionReached(included(1), 7, dev));
}

TEST(Tracking, ReceiptFee) {
  EXPECT_EQ(ReceiptFee(21000, Uint256("1000000007")), Uint256("21000000147000"));
  EXPECT_EQ(ReceiptFee(0, Uint256("5")), 0);
}

TEST(Tracking, JudgePending) {
  PendingObservation o;
  o.nonce = 5;
  o.sender_mined_nonce = 5;
  o.pending_blocks = 1;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kWait);
  o.pending_blocks = 3;
  o.known_to_node = true;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kPending);
  o.pending_blocks = 12;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kStuck);
  o.in_block = true;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kMined);
  o.known_to_node = false;
  o.in_block = false;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kDropped);  // nonce 5 still free
  o.sender_mined_nonce = 6;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kNonceUsed);
}

// Behind a gap (a lower nonce dropped and not back yet) a transaction waits in the node's queue
// whatever its price: a fee bump would not move it, only the nonce below can (the soak found
// the tracker bumping such a transaction twenty times).
TEST(Tracking, OnlyTheSendersNextNonceIsStuck) {
  PendingObservation o;
  o.nonce = 7;
  o.sender_mined_nonce = 5;
  o.known_to_node = true;
  o.pending_blocks = 40;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kPending);
  o.sender_mined_nonce = 7;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kStuck);
}

TEST(Tracking, APricedOutTransactionIsBumpedNotResent) {
  PendingObservation o;
  o.nonce = 5;
  o.sender_mined_nonce = 5;
  o.priced_out = true;
  o.pending_blocks = 3;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kWait);  // evicted: resending the same bytes cannot work
  o.pending_blocks = 12;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kStuck);
  o.known_to_node = true;  // a node that keeps it (geth) waits the same
  o.pending_blocks = 11;
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kPending);
  o.known_to_node = false;
  o.sender_mined_nonce = 6;  // its nonce used meanwhile: that decides, priced out or not
  EXPECT_EQ(JudgePending(o, 2, 12), PendingVerdict::kNonceUsed);
}
