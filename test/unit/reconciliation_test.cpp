#include "core/reconciliation.hpp"

#include <gtest/gtest.h>

namespace txrelay {
namespace {

SenderFacts Agreeing() {
  SenderFacts f;
  f.db_next_nonce = 10;
  f.chain_mined = 8;  // two of ours still in the pool
  f.chain_pending = 10;
  f.balance = 1000;
  f.need = 1000;         // exactly enough is enough
  f.db_first_nonce = 3;  // txrelay took the sender over at nonce 3
  f.db_max_signed_nonce = 9;
  return f;
}

TEST(Reconciliation, ChainAndDatabaseAgree) { EXPECT_TRUE(JudgeSender(Agreeing()).empty()); }

TEST(Reconciliation, MinedBeyondTheReservedNoncesQuarantines) {
  SenderFacts f = Agreeing();
  f.chain_mined = 11;
  f.chain_pending = 11;
  const auto findings = JudgeSender(f);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kNonceUsedOutside);
  EXPECT_TRUE(findings[0].quarantine);
  EXPECT_NE(findings[0].what.find("mined 11"), std::string::npos);
  EXPECT_NE(findings[0].what.find("below 10"), std::string::npos);
}

TEST(Reconciliation, MinedUpToTheReservedNoncesIsOurs) {
  SenderFacts f = Agreeing();
  f.chain_mined = 10;  // all of ours mined
  EXPECT_TRUE(JudgeSender(f).empty());
}

TEST(Reconciliation, PooledBeyondTheReservedNoncesQuarantines) {
  SenderFacts f = Agreeing();
  f.chain_pending = 11;
  const auto findings = JudgeSender(f);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kPendingOutside);
  EXPECT_TRUE(findings[0].quarantine);
}

TEST(Reconciliation, UnknownNextNonceJudgesOnlyTheBalance) {
  SenderFacts f = Agreeing();
  f.db_next_nonce.reset();
  f.chain_mined = 500;
  f.chain_pending = 500;
  EXPECT_TRUE(JudgeSender(f).empty());
  f.balance = 999;
  ASSERT_EQ(JudgeSender(f).size(), 1u);
  EXPECT_EQ(JudgeSender(f)[0].kind, FindingKind::kBalanceLow);
}

TEST(Reconciliation, BalanceOneWeiShortIsLowButDoesNotQuarantine) {
  SenderFacts f = Agreeing();
  f.balance = 999;
  const auto findings = JudgeSender(f);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kBalanceLow);
  EXPECT_FALSE(findings[0].quarantine);
  EXPECT_NE(findings[0].what.find("999"), std::string::npos);
  EXPECT_STREQ(FindingName(findings[0].kind), "balance_low");
}

TEST(Reconciliation, BothFindingsMostSevereFirst) {
  SenderFacts f = Agreeing();
  f.chain_mined = 12;
  f.balance = 0;
  const auto findings = JudgeSender(f);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].kind, FindingKind::kNonceUsedOutside);
  EXPECT_EQ(findings[1].kind, FindingKind::kBalanceLow);
}

// A failover that lost committed writes: the send of nonce 9 is gone from the database, and a
// withdrawal requested again since reserved nonce 9 anew (db_next_nonce 10 again). The next-nonce
// rule sees nothing; the signed-attempt rule does.
TEST(Reconciliation, MinedNonceWithoutASignedAttemptQuarantines) {
  SenderFacts f = Agreeing();
  f.chain_mined = 10;
  f.db_max_signed_nonce = 8;
  const auto findings = JudgeSender(f);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kMinedUnsigned);
  EXPECT_TRUE(findings[0].quarantine);
  EXPECT_NE(findings[0].what.find("mined nonce 9"), std::string::npos);
  EXPECT_NE(findings[0].what.find("up to nonce 8"), std::string::npos);
  f.db_max_signed_nonce.reset();
  EXPECT_EQ(JudgeSender(f).at(0).kind, FindingKind::kMinedUnsigned);
}

TEST(Reconciliation, NoncesMinedBeforeTxrelayTookOverAreNotOurs) {
  SenderFacts f = Agreeing();
  f.db_first_nonce = 5;  // the account had 5 transactions before add_sender
  f.db_next_nonce = 5;
  f.chain_mined = 5;
  f.chain_pending = 5;
  f.db_max_signed_nonce.reset();
  EXPECT_TRUE(JudgeSender(f).empty());
  f.db_first_nonce.reset();  // not read yet: nothing to judge
  f.chain_mined = 7;
  f.db_next_nonce.reset();
  EXPECT_TRUE(JudgeSender(f).empty());
}

TEST(Reconciliation, MinedUpToTheHighestSignedNonceIsOurs) {
  SenderFacts f = Agreeing();
  f.chain_mined = 10;  // nonce 9, signed, mined
  EXPECT_TRUE(JudgeSender(f).empty());
}

}  // namespace
}  // namespace txrelay
