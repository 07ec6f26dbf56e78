#include "core/ledger_entry.hpp"

#include "core/eth/erc20.hpp"
#include "core/withdrawal_request.hpp"
#include "test_support.hpp"

using txrelay::ApplyEntry;
using txrelay::LedgerBalance;
using txrelay::LedgerEntryFields;
using txrelay::LedgerEntryHash;
using txrelay::LedgerKind;

TEST(Ledger, ReserveCommitReleaseArithmetic) {
  LedgerBalance b;
  b = ApplyEntry(b, LedgerKind::kCredit, 100);
  b = ApplyEntry(b, LedgerKind::kReserve, 60);
  EXPECT_EQ(b.Available(), 40);
  b = ApplyEntry(b, LedgerKind::kCommit, 50);
  EXPECT_EQ(b.reserved, 10);
  EXPECT_EQ(b.spent, 50);
  b = ApplyEntry(b, LedgerKind::kRelease, 10);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.Available(), 50);
}

TEST(Ledger, ReserveBeyondAvailableIsTR002) {
  LedgerBalance b = ApplyEntry(LedgerBalance{}, LedgerKind::kCredit, 10);
  b = ApplyEntry(b, LedgerKind::kReserve, 10);
  EXPECT_SQLSTATE(ApplyEntry(b, LedgerKind::kReserve, 1), "TR002");
  EXPECT_SQLSTATE(ApplyEntry(LedgerBalance{}, LedgerKind::kReserve, 1), "TR002");
}

TEST(Ledger, ResolvingMoreThanReservedOrOverflowingIsRefused) {
  LedgerBalance b = ApplyEntry(LedgerBalance{}, LedgerKind::kCredit, 10);
  b = ApplyEntry(b, LedgerKind::kReserve, 5);
  EXPECT_SQLSTATE(ApplyEntry(b, LedgerKind::kCommit, 6), "23514");
  EXPECT_SQLSTATE(ApplyEntry(b, LedgerKind::kRelease, 6), "23514");
  LedgerBalance full;
  full.credited = std::numeric_limits<txrelay::Uint256>::max();
  EXPECT_SQLSTATE(ApplyEntry(full, LedgerKind::kCredit, 1), "23514");
}

TEST(Ledger, KindNames) {
  for (const char* n : {"CREDIT", "RESERVE", "COMMIT", "RELEASE"}) {
    EXPECT_EQ(txrelay::Name(*txrelay::ParseLedgerKind(n)), n);
  }
  EXPECT_FALSE(txrelay::ParseLedgerKind("credit").has_value());
}

TEST(Ledger, HashCoversEveryFieldAndThePreviousHash) {
  LedgerEntryFields base;
  base.entry_id = 7;
  base.account_seq = 1;
  base.kind = "RESERVE";
  base.account = "alice";
  base.chain_id = 31337;
  base.asset = "ETH";
  base.amount = "100";
  base.fee = "0";
  base.withdrawal_id = "5f0c5a8e-0000-4000-8000-000000000001";
  base.created_at_us = 123456789;
  const auto h = LedgerEntryHash(base);
  EXPECT_EQ(LedgerEntryHash(base), h);  // deterministic

  std::vector<LedgerEntryFields> variants(13, base);
  variants[0].prev_hash = txrelay::Keccak256("x");
  variants[1].entry_id = 8;
  variants[2].kind = "COMMIT";
  variants[3].account = "alicf";
  variants[4].chain_id = 1;
  variants[5].asset = "USDC";
  variants[6].amount = "101";
  variants[7].fee = "1";
  variants[8].withdrawal_id.reset();
  variants[9].reference = "";
  variants[10].created_at_us = 123456790;
  variants[11].account_seq = 2;
  variants[12].account = "alice";  // the same as base: must hash the same
  for (std::size_t i = 0; i + 1 < variants.size(); ++i) {
    EXPECT_NE(LedgerEntryHash(variants[i]), h) << "field " << i << " not covered";
  }
  EXPECT_EQ(LedgerEntryHash(variants[12]), h);
}

TEST(Ledger, FieldBoundariesAreUnambiguous) {
  LedgerEntryFields a;
  a.account = "ab";
  a.asset = "c";
  LedgerEntryFields b = a;
  b.account = "a";
  b.asset = "bc";
  EXPECT_NE(LedgerEntryHash(a), LedgerEntryHash(b));
  LedgerEntryFields c = a;
  c.reference = "";
  EXPECT_NE(LedgerEntryHash(a), LedgerEntryHash(c));  // NULL is not ""
}

TEST(WithdrawalRequest, FingerprintChangesWithEveryField) {
  txrelay::WithdrawalRequest r{"alice", 31337,      "ETH", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                               "100",   "standard", "{}"};
  const auto fp = txrelay::RequestFingerprint(r);
  std::vector<txrelay::WithdrawalRequest> v(7, r);
  v[0].account = "bob";
  v[1].chain_id = 1;
  v[2].asset = "USDC";
  v[3].to_address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  v[4].amount = "101";
  v[5].risk_tier = "high";
  v[6].metadata = R"({"a": 1})";
  const char* names[] = {"account", "chain_id", "asset", "to_address", "amount", "risk_tier", "metadata"};
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_NE(txrelay::RequestFingerprint(v[i]), fp) << names[i];
    EXPECT_EQ(txrelay::DifferingFields(r, v[i]), std::vector<std::string>{names[i]});
  }
  EXPECT_TRUE(txrelay::DifferingFields(r, r).empty());
}

TEST(Erc20, TransferCalldataMatchesCast) {
  // `cast calldata "transfer(address,uint256)" 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 1000000`
  const auto to = txrelay::ParseAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "to");
  EXPECT_EQ(txrelay::ToHex(txrelay::eth::Erc20TransferCalldata(to, 1000000)),
            "0xa9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
            "00000000000000000000000000000000000000000000000000000000000f4240");
  const auto to2 = txrelay::ParseAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "to");
  EXPECT_EQ(
      txrelay::ToHex(txrelay::eth::Erc20TransferCalldata(to2, std::numeric_limits<txrelay::Uint256>::max())),
      "0xa9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
}
