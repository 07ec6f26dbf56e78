#include "core/ledger_checkpoint.hpp"

#include <vector>

#include "test_support.hpp"

using txrelay::CheckpointAccount;
using txrelay::CheckpointAccountHash;
using txrelay::CheckpointHash;

namespace {
CheckpointAccount Alice() {
  CheckpointAccount a;
  a.account = "alice";
  a.chain_id = 31337;
  a.asset = "ETH";
  a.credited = "100";
  a.reserved = "10";
  a.spent = "20";
  a.entry_count = 4;
  a.last_hash = txrelay::Keccak256("entry 4");
  return a;
}
}  // namespace

TEST(LedgerCheckpoint, AccountHashCoversEveryField) {
  const CheckpointAccount base = Alice();
  const auto h = CheckpointAccountHash(base);
  EXPECT_EQ(CheckpointAccountHash(Alice()), h);
  std::vector<CheckpointAccount> v(8, base);
  v[0].account = "alicf";
  v[1].chain_id = 1;
  v[2].asset = "USDC";
  v[3].credited = "101";
  v[4].reserved = "11";
  v[5].spent = "21";
  v[6].entry_count = 5;
  v[7].last_hash = txrelay::Keccak256("entry 5");
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_NE(CheckpointAccountHash(v[i]), h) << "field " << i;
}

TEST(LedgerCheckpoint, AccountFieldBoundariesAreUnambiguous) {
  CheckpointAccount a = Alice();
  CheckpointAccount b = Alice();
  a.account = "ab";
  a.asset = "c";
  b.account = "a";
  b.asset = "bc";
  EXPECT_NE(CheckpointAccountHash(a), CheckpointAccountHash(b));
  a = b = Alice();
  a.credited = "1";
  a.reserved = "23";
  b.credited = "12";
  b.reserved = "3";
  EXPECT_NE(CheckpointAccountHash(a), CheckpointAccountHash(b));
}

TEST(LedgerCheckpoint, HashChainsVersionTimeAndAccounts) {
  const auto leaf = CheckpointAccountHash(Alice());
  const txrelay::Bytes one(leaf.begin(), leaf.end());
  const auto first = CheckpointHash(std::nullopt, 1, 1000, one);
  EXPECT_EQ(CheckpointHash(std::nullopt, 1, 1000, one), first);
  EXPECT_NE(CheckpointHash(std::nullopt, 2, 1000, one), first);
  EXPECT_NE(CheckpointHash(std::nullopt, 1, 1001, one), first);
  EXPECT_NE(CheckpointHash(std::nullopt, 1, 1000, {}), first);
  EXPECT_NE(CheckpointHash(txrelay::Keccak256("v0"), 1, 1000, one), first);
  // The second version depends on the first: a different history gives a different hash even
  // when the second version's own accounts are the same.
  const auto other_first = CheckpointHash(std::nullopt, 1, 1000, {});
  EXPECT_NE(CheckpointHash(first, 2, 2000, one), CheckpointHash(other_first, 2, 2000, one));
  // Order of accounts matters (the SQL side sorts them byte-wise).
  CheckpointAccount bob = Alice();
  bob.account = "bob";
  const auto bob_leaf = CheckpointAccountHash(bob);
  txrelay::Bytes ab(one), ba(bob_leaf.begin(), bob_leaf.end());
  ab.insert(ab.end(), bob_leaf.begin(), bob_leaf.end());
  ba.insert(ba.end(), leaf.begin(), leaf.end());
  EXPECT_NE(CheckpointHash(first, 2, 2000, ab), CheckpointHash(first, 2, 2000, ba));
}

TEST(LedgerCheckpoint, PartialHashListIs22023) {
  EXPECT_SQLSTATE(CheckpointHash(std::nullopt, 1, 0, txrelay::Bytes(31, 0)), "22023");
  EXPECT_SQLSTATE(CheckpointHash(std::nullopt, 1, 0, txrelay::Bytes(33, 0)), "22023");
}
