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

namespace txrelay {

// Issue 20: the nonces of the operator report after a restore to an earlier point.
TEST(UnexplainedNonces, MinedAboveTheHighestSignedUpToTheLimit) {
  SenderFacts f;
  f.db_next_nonce = 3;
  f.db_first_nonce = 0;
  f.db_max_signed_nonce = 0;  // restored: it signed nonce 0 only
  f.chain_mined = 3;          // the chain has 0, 1 and 2
  const NonceRange r = UnexplainedNonces(f, 32);
  EXPECT_EQ(r.first, 1u);
  EXPECT_EQ(r.last, 3u);
  const NonceRange capped = UnexplainedNonces(f, 1);
  EXPECT_EQ(capped.last - capped.first, 1u);
  f.db_max_signed_nonce = 2;  // everything mined was signed here: nothing to report
  EXPECT_EQ(UnexplainedNonces(f, 32).first, UnexplainedNonces(f, 32).last);
  f.db_max_signed_nonce.reset();  // nothing signed yet, the sender taken over at nonce 2
  f.db_first_nonce = 2;
  EXPECT_EQ(UnexplainedNonces(f, 32).first, 2u);
  EXPECT_EQ(UnexplainedNonces(f, 32).last, 3u);
}

TEST(SameCall, ExactlyTheSameRecipientValueAndData) {
  const CallShape chain{"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", 1002, "0x"};
  EXPECT_TRUE(SameCall(chain, {"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", 1002, ""}));  // case, empty data
  EXPECT_FALSE(SameCall(chain, {"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", 1003, ""}));
  EXPECT_FALSE(SameCall(chain, {"0x90F79bf6EB2c4f870365E785982E1f101E93b906", 1002, ""}));
  EXPECT_FALSE(SameCall({"0x5FbDB2315678afecb367f032d93F642f64180aa3", 0, "0xa9059cbb00"},
                        {"0x5FbDB2315678afecb367f032d93F642f64180aa3", 0, "0xa9059cbb01"}));
}

}  // namespace txrelay
