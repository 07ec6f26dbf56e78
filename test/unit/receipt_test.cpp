// rpc::ParseReceipt, ParseReceiptOf and ParseBlockReceipts on anvil's answers and on every way a
// receipt can be wrong; above all, a receipt without status never reads as paid.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/rpc/block_header.hpp"
#include "core/rpc/receipt.hpp"
#include "rpc_answers.hpp"

using namespace txrelay;
using namespace txrelay::rpc;
using nlohmann::json;

namespace {

const std::string kPaidTx = "0x0e60b5d76ab198530eb6b064630d0c3206c66e9c33ba6ff1cc85a8fc494a8027";
const std::string kPaidWhat = "receipt of " + kPaidTx;

std::string RefusalOf(const json& receipt) {
  const auto parsed = ParseReceipt(receipt);
  EXPECT_FALSE(parsed.ok()) << receipt.dump();
  return parsed.error;
}

json PaidWith(const std::string& field, const json& value) {
  return rpc_answers::With(rpc_answers::PaidReceipt(), field, value);
}

json PaidWithout(const std::string& field) { return rpc_answers::Without(rpc_answers::PaidReceipt(), field); }

BlockHeader Block3() { return *ParseBlockHeader(rpc_answers::Block3()).value; }

std::string BlockReceiptsRefusal(const json& result, const BlockHeader& block) {
  const auto parsed = ParseBlockReceipts(result, block);
  EXPECT_FALSE(parsed.ok());
  return parsed.error;
}

}  // namespace

TEST(ParseReceipt, Paid) {
  const auto parsed = ParseReceipt(rpc_answers::PaidReceipt());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  const Receipt& r = *parsed.value;
  EXPECT_EQ(r.tx_hash, kPaidTx);
  EXPECT_EQ(r.block_number, 1u);
  EXPECT_EQ(r.block_hash, "0x5645903e999fb841318d0be5eb81639a061ecd5068a2439d9ec69a7426789d0a");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.gas_used, Uint256(21000));
  EXPECT_EQ(r.effective_gas_price, Uint256(2000000000));
}

TEST(ParseReceipt, Reverted) {
  const auto parsed = ParseReceipt(rpc_answers::RevertedReceipt());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value->status, 0);
  EXPECT_EQ(parsed.value->gas_used, Uint256(0x520e));
  EXPECT_EQ(parsed.value->effective_gas_price, Uint256(0x6fc4e658));
}

TEST(ParseReceipt, WithoutStatusIsNeverPaid) {
  // A pre-Byzantium receipt (geth's shape for an old block): the state root, no status.
  json old = PaidWithout("status");
  old["root"] = "0x96a8e009d2b88b1483e6941e6812e32263b05683fac202abc622a3e31aed1957";
  const std::string expected =
      kPaidWhat +
      " has no status field (a pre-Byzantium receipt carries a state root instead): its "
      "outcome cannot be known";
  EXPECT_EQ(RefusalOf(old), expected);
  EXPECT_EQ(RefusalOf(PaidWithout("status")), expected);
}

TEST(ParseReceipt, StatusIsZeroOrOneOnly) {
  for (const json& bad : {json("0x01"), json("0x2"), json("0x"), json("1"), json(1), json(true),
                          json(nullptr), json("0X1"), json("success")}) {
    EXPECT_EQ(RefusalOf(PaidWith("status", bad)),
              kPaidWhat + " field \"status\" is neither \"0x0\" nor \"0x1\": " + bad.dump());
  }
}

TEST(ParseReceipt, NotAnObject) {
  // null: eth_getTransactionReceipt of a transaction not (or no longer) in a block.
  EXPECT_EQ(RefusalOf(nullptr), "receipt is not a JSON object: null");
  EXPECT_EQ(RefusalOf(json::array({rpc_answers::PaidReceipt()})).substr(0, 33),
            "receipt is not a JSON object: [{\"");
  EXPECT_EQ(RefusalOf(kPaidTx), "receipt is not a JSON object: \"" + kPaidTx + "\"");
}

TEST(ParseReceipt, TransactionHash) {
  EXPECT_EQ(RefusalOf(PaidWithout("transactionHash")), "receipt has no \"transactionHash\" field");
  EXPECT_EQ(RefusalOf(PaidWith("transactionHash", kPaidTx.substr(2))),
            "receipt field \"transactionHash\" is not a 32-byte 0x-hex hash: \"" + kPaidTx.substr(2) + "\"");
  EXPECT_EQ(RefusalOf(PaidWith("transactionHash", nullptr)),
            "receipt field \"transactionHash\" is not a 32-byte 0x-hex hash: null");
}

TEST(ParseReceipt, Block) {
  EXPECT_EQ(RefusalOf(PaidWithout("blockNumber")), kPaidWhat + " has no \"blockNumber\" field");
  // Some nodes answer a pending transaction's receipt with null block fields.
  EXPECT_EQ(RefusalOf(PaidWith("blockNumber", nullptr)),
            kPaidWhat + " field \"blockNumber\" is not a 0x-hex quantity of at most 64 digits: null");
  EXPECT_EQ(RefusalOf(PaidWith("blockNumber", "0x" + std::string(17, 'f'))),
            kPaidWhat + " field \"blockNumber\" is out of range (above 2^64-1): \"0x" + std::string(17, 'f') +
                "\"");
  EXPECT_EQ(RefusalOf(PaidWithout("blockHash")), kPaidWhat + " has no \"blockHash\" field");
  EXPECT_EQ(RefusalOf(PaidWith("blockHash", nullptr)),
            kPaidWhat + " field \"blockHash\" is not a 32-byte 0x-hex hash: null");
  EXPECT_EQ(RefusalOf(PaidWith("blockHash", "0x5645903e")),
            kPaidWhat + " field \"blockHash\" is not a 32-byte 0x-hex hash: \"0x5645903e\"");
}

TEST(ParseReceipt, GasFields) {
  for (const std::string field : {"gasUsed", "effectiveGasPrice"}) {
    EXPECT_EQ(RefusalOf(PaidWithout(field)), kPaidWhat + " has no \"" + field + "\" field");
    EXPECT_EQ(
        RefusalOf(PaidWith(field, "21000")),
        kPaidWhat + " field \"" + field + "\" is not a 0x-hex quantity of at most 64 digits: \"21000\"");
    EXPECT_EQ(RefusalOf(PaidWith(field, 21000)),
              kPaidWhat + " field \"" + field + "\" is not a 0x-hex quantity of at most 64 digits: 21000");
    const std::string too_long = "0x1" + std::string(64, '0');  // 2^256
    EXPECT_EQ(RefusalOf(PaidWith(field, too_long)),
              kPaidWhat + " field \"" + field + "\" is not a 0x-hex quantity of at most 64 digits: \"" +
                  too_long + "\"");
  }
}

TEST(ParseReceiptOf, TheReceiptAskedFor) {
  const std::string upper = "0x0E60B5D76AB198530EB6B064630D0C3206C66E9C33BA6FF1CC85A8FC494A8027";
  EXPECT_TRUE(ParseReceiptOf(rpc_answers::PaidReceipt(), upper).ok());
  const auto other = ParseReceiptOf(rpc_answers::RevertedReceipt(), kPaidTx);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error,
            "the receipt asked for " + kPaidTx +
                " is the receipt of 0x349cf959f08141d78e72dd019d612be8bb1af48b958b52e1629e6e822cc08939");
  EXPECT_EQ(ParseReceiptOf(PaidWithout("status"), kPaidTx).error, RefusalOf(PaidWithout("status")));
}

TEST(ParseBlockReceipts, AnvilBlock) {
  const auto parsed = ParseBlockReceipts(rpc_answers::Block3Receipts(), Block3());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(parsed.value->size(), 2u);
  EXPECT_EQ((*parsed.value)[0].tx_hash, "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef");
  EXPECT_EQ((*parsed.value)[1].tx_hash, "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5");
  for (const auto& r : *parsed.value) EXPECT_EQ(r.block_number, 3u);
}

TEST(ParseBlockReceipts, EmptyBlock) {
  const auto parsed = ParseBlockReceipts(json::array(), Block3());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.value->empty());
}

TEST(ParseBlockReceipts, BlockHashComparedWithoutCase) {
  BlockHeader block = Block3();
  block.hash = "0x5852BB12F91BF6F04A7DB268A24329B309D377E7BF56CB9326E89B5C7AAC0726";
  EXPECT_TRUE(ParseBlockReceipts(rpc_answers::Block3Receipts(), block).ok());
}

TEST(ParseBlockReceipts, NullMeansTheBlockIsGone) {
  EXPECT_EQ(
      BlockReceiptsRefusal(nullptr, Block3()),
      "the receipts of block 3 (0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726) are "
      "null: the node no longer has the block (a reorg removed it) or has not seen it yet");
}

TEST(ParseBlockReceipts, NotAnArray) {
  const std::string error = BlockReceiptsRefusal(rpc_answers::PaidReceipt(), Block3());
  EXPECT_EQ(
      error.substr(0, 116),
      "the receipts of block 3 (0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726) are "
      "not a JSON array: {");
  EXPECT_EQ(error.substr(error.size() - 3), "...");
}

TEST(ParseBlockReceipts, EveryItemMustParse) {
  json receipts = rpc_answers::Block3Receipts();
  receipts[1].erase("status");
  EXPECT_EQ(
      BlockReceiptsRefusal(receipts, Block3()),
      "receipt 1 of block 3 (0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726): receipt "
      "of 0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5 has no status field (a "
      "pre-Byzantium receipt carries a state root instead): its outcome cannot be known");
  receipts = rpc_answers::Block3Receipts();
  receipts.push_back(nullptr);
  EXPECT_EQ(
      BlockReceiptsRefusal(receipts, Block3()),
      "receipt 2 of block 3 (0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726): receipt "
      "is not a JSON object: null");
}

TEST(ParseBlockReceipts, AnotherBlockMeansAReorgRacedTheRead) {
  json receipts = rpc_answers::Block3Receipts();
  receipts[1]["blockHash"] = "0x29c0d0a2d83512bc64f994a8bfad318d6fe26ecfa7b1e552adc1431ba9780254";
  EXPECT_EQ(
      BlockReceiptsRefusal(receipts, Block3()),
      "receipt of 0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5 names block 3 "
      "(0x29c0d0a2d83512bc64f994a8bfad318d6fe26ecfa7b1e552adc1431ba9780254), not the block 3 "
      "(0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726) whose receipts were asked: a "
      "reorg raced the read");
  receipts = rpc_answers::Block3Receipts();
  receipts[0]["blockNumber"] = "0x4";
  EXPECT_NE(BlockReceiptsRefusal(receipts, Block3()).find("names block 4 (0x5852bb12"), std::string::npos);
}

TEST(ParseBlockReceipts, HugeBlock) {
  // 20,000 receipts of one block (a full 30M-gas block holds at most 1,428 transfers).
  json receipts = json::array();
  const json one = rpc_answers::Block3Receipts()[0];
  for (int i = 0; i < 20000; ++i) receipts.push_back(one);
  const auto parsed = ParseBlockReceipts(receipts, Block3());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value->size(), 20000u);
}

namespace {
const std::string kFirst = "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef";
const std::string kSecond = "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5";

// Block 3's receipts with the first one (not ours below) damaged as `damage` says.
json WithForeignDamaged(const std::function<void(json&)>& damage) {
  json receipts = rpc_answers::Block3Receipts();
  damage(receipts[0]);
  return receipts;
}
}  // namespace

TEST(BlockReceiptHashes, EveryReadableHashInLowerCase) {
  json receipts = rpc_answers::Block3Receipts();
  receipts[1]["transactionHash"] = "0xE8B0CE8B4CF43F38C49A4079EDF925564744F147A5283D49122F924B6DE981D5";
  receipts.push_back(json(42));                      // not an object
  receipts.push_back(json{{"transactionHash", 1}});  // no readable hash
  const auto parsed = BlockReceiptHashes(receipts, Block3());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(*parsed.value, (std::vector<std::string>{kFirst, kSecond}));
  EXPECT_FALSE(BlockReceiptHashes(nullptr, Block3()).ok());
  EXPECT_FALSE(BlockReceiptHashes(json::object(), Block3()).ok());
}

TEST(ParseBlockReceiptsOfOurs, OnlyOursAreRead) {
  const auto parsed = ParseBlockReceipts(rpc_answers::Block3Receipts(), Block3(), {kSecond});
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  ASSERT_EQ(parsed.value->size(), 1u);
  EXPECT_EQ((*parsed.value)[0].tx_hash, kSecond);
}

// Someone else's receipt written another way (no status, no effective gas price, no hash at
// all) does not stop the reading of ours; the same damage to ours does.
TEST(ParseBlockReceiptsOfOurs, ForeignReceiptsAreNotJudged) {
  const std::vector<std::function<void(json&)>> damages = {
      [](json& r) { r.erase("status"); }, [](json& r) { r.erase("effectiveGasPrice"); },
      [](json& r) { r.erase("transactionHash"); }, [](json& r) { r["blockHash"] = "0x12"; },
      [](json& r) { r = nullptr; }};
  for (const auto& damage : damages) {
    const json receipts = WithForeignDamaged(damage);
    const auto ours = ParseBlockReceipts(receipts, Block3(), {kSecond});
    ASSERT_TRUE(ours.ok()) << ours.error;
    EXPECT_EQ(ours.value->size(), 1u);
  }
  const auto first_is_ours =
      ParseBlockReceipts(WithForeignDamaged([](json& r) { r.erase("status"); }), Block3(), {kFirst, kSecond});
  ASSERT_FALSE(first_is_ours.ok());
  EXPECT_NE(first_is_ours.error.find("has no status field"), std::string::npos) << first_is_ours.error;
}

TEST(ParseBlockReceiptsOfOurs, OursOfAnotherBlockIsARacedRead) {
  json receipts = rpc_answers::Block3Receipts();
  receipts[1]["blockNumber"] = "0x4";
  const auto parsed = ParseBlockReceipts(receipts, Block3(), {kSecond});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("a reorg raced the read"), std::string::npos) << parsed.error;
}

// The receipt of a transaction a block lists, read one by one (issue 19: no eth_getBlockReceipts).
TEST(ParseReceiptInBlock, TheReceiptMustNameTheBlockThatListsIt) {
  const BlockHeader block = *ParseBlockHeader(rpc_answers::Block3()).value;
  const json receipt = rpc_answers::Block3Receipts()[0];
  const std::string tx = "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef";
  const auto ok = ParseReceiptInBlock(receipt, tx, block);
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.value->block_number, 3u);
  EXPECT_NE(
      ParseReceiptInBlock(json(nullptr), tx, block).error.find("a reorg raced the read, or the node lags"),
      std::string::npos);
  json moved = rpc_answers::With(receipt, "blockHash", "0x" + std::string(64, 'b'));
  EXPECT_NE(ParseReceiptInBlock(moved, tx, block).error.find("a reorg raced the read"), std::string::npos);
  EXPECT_NE(ParseReceiptInBlock(receipt, "0x" + std::string(64, 'c'), block).error.find("is the receipt of"),
            std::string::npos);
}
