// What an OP-stack receipt says the wallet paid (core/rpc/rollup_fee, issue 19). No local node
// writes these fields, so the arithmetic is checked on a recorded receipt: an Isthmus devnet
// transaction from the Optimism monorepo's op-devstack withdrawal test, whose sender's balance
// fell by gasUsed x effectiveGasPrice + l1Fee + 422, the 422 being the operator fee
// 0x190 + 0x12c x 0x12448 / 1e6 (the test's own notes); the Jovian formula from the OP Stack
// specification (x 100 instead of / 1e6).
#include <gtest/gtest.h>

#include "core/rpc/receipt.hpp"
#include "core/rpc/rollup_fee.hpp"
#include "core/tracking.hpp"

using namespace txrelay;
using txrelay::rpc::ParseReceipt;
using txrelay::rpc::RollupFee;

namespace {

nlohmann::json IsthmusReceipt() {
  return nlohmann::json::parse(R"({
    "type": "0x2", "status": "0x1", "cumulativeGasUsed": "0x1d894",
    "transactionHash": "0x1d851a54e1ce81baa9444fdfb7c26daf3543ef2f561389915596c280b78466af",
    "gasUsed": "0x12448", "effectiveGasPrice": "0x6696339c",
    "blockHash": "0x37faf98e7dc973328877f149c719ef2cc38119b2c0cb4cfc7ed5f57e9c64d839",
    "blockNumber": "0x52", "transactionIndex": "0x1",
    "l1GasPrice": "0x1023dc7", "l1BlobBaseFee": "0x1", "l1GasUsed": "0x640", "l1Fee": "0x2353d65",
    "l1BaseFeeScalar": "0x558", "l1BlobBaseFeeScalar": "0xc5fc5",
    "operatorFeeScalar": "0x12c", "operatorFeeConstant": "0x190"})");
}

}  // namespace

TEST(RollupFee, IsthmusReceiptEqualsWhatTheBalanceLost) {
  const auto receipt = ParseReceipt(IsthmusReceipt());
  ASSERT_TRUE(receipt.ok()) << receipt.error;
  // The recorded cost without the operator fee, as the test's notes give it.
  EXPECT_EQ(receipt.value->gas_used * receipt.value->effective_gas_price + Uint256(0x2353d65),
            Uint256("128781093286213"));
  EXPECT_EQ(receipt.value->rollup_fee, Uint256(0x2353d65) + 422);
  EXPECT_EQ(
      ReceiptFee(receipt.value->gas_used, receipt.value->effective_gas_price, receipt.value->rollup_fee),
      Uint256("128781093286635"));
}

TEST(RollupFee, JovianMultipliesTheScalarBy100) {
  auto receipt = IsthmusReceipt();
  receipt["daFootprintGasScalar"] = "0x190";  // present from Jovian on
  const auto parsed = ParseReceipt(receipt);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value->rollup_fee, Uint256(0x2353d65) + Uint256(0x12448) * 0x12c * 100 + 0x190);
}

TEST(RollupFee, BedrockReceiptAddsTheL1FeeOnly) {
  // Before Ecotone l1FeeScalar is a decimal string; it is not needed: l1Fee is the fee.
  const auto fee =
      RollupFee(nlohmann::json::parse(R"({"l1Fee": "0x3e8", "l1FeeScalar": "0.684", "l1GasUsed": "0x640"})"),
                21000, "receipt");
  ASSERT_TRUE(fee.ok()) << fee.error;
  EXPECT_EQ(*fee.value, 1000);
}

TEST(RollupFee, NoneOnOtherChains) {
  const auto fee = RollupFee(nlohmann::json::parse(R"({"gasUsed": "0x5208"})"), 21000, "receipt");
  ASSERT_TRUE(fee.ok());
  EXPECT_EQ(*fee.value, 0);
  EXPECT_EQ(*RollupFee(nlohmann::json::parse(R"({"l1Fee": null})"), 21000, "receipt").value, 0);
}

TEST(RollupFee, RefusesWhatItCannotRead) {
  auto receipt = IsthmusReceipt();
  receipt["l1Fee"] = "lots";
  auto parsed = ParseReceipt(receipt);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("l1Fee"), std::string::npos) << parsed.error;
  receipt = IsthmusReceipt();
  receipt.erase("operatorFeeConstant");
  parsed = ParseReceipt(receipt);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("operatorFeeConstant"), std::string::npos) << parsed.error;
}

TEST(RollupFee, LargestInputsDoNotOverflow) {
  // gas is a uint64, the scalar a uint32: the Jovian product has about 103 bits.
  const auto fee = RollupFee(nlohmann::json::parse(R"({"operatorFeeScalar": "0xffffffff",
      "operatorFeeConstant": "0xffffffffffffffff", "daFootprintGasScalar": "0x1"})"),
                             Uint256("18446744073709551615"), "receipt");
  ASSERT_TRUE(fee.ok());
  EXPECT_EQ(*fee.value,
            Uint256("18446744073709551615") * Uint256("4294967295") * 100 + Uint256("18446744073709551615"));
}
