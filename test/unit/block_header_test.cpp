// rpc::ParseBlockHeader on anvil's answers and on every way a header can be wrong.
#include <gtest/gtest.h>

#include <string>

#include "core/rpc/block_header.hpp"
#include "rpc_answers.hpp"

using namespace txrelay;
using namespace txrelay::rpc;
using nlohmann::json;

namespace {

std::string RefusalOf(const json& block) {
  const auto parsed = ParseBlockHeader(block);
  EXPECT_FALSE(parsed.ok()) << block.dump();
  return parsed.error;
}

json Block3With(const std::string& field, const json& value) {
  return rpc_answers::With(rpc_answers::Block3(), field, value);
}

json Block3Without(const std::string& field) { return rpc_answers::Without(rpc_answers::Block3(), field); }

}  // namespace

TEST(ParseBlockHeader, AnvilLondonBlock) {
  const auto parsed = ParseBlockHeader(rpc_answers::Block3());
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value->number, 3u);
  EXPECT_EQ(parsed.value->hash, "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726");
  EXPECT_EQ(parsed.value->parent_hash, "0x8c8a30c6f9e9b48b8e38e66ae2556f11c2a2aa78968dd984b495d9c85e960196");
  ASSERT_TRUE(parsed.value->base_fee);
  EXPECT_EQ(*parsed.value->base_fee, Uint256(0x2da72f3d));
  EXPECT_TRUE(parsed.error.empty());
}

TEST(ParseBlockHeader, PreLondonBlockHasNoBaseFee) {
  const auto parsed = ParseBlockHeader(Block3Without("baseFeePerGas"));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_FALSE(parsed.value->base_fee);
}

TEST(ParseBlockHeader, HashesAreLowerCased) {
  json block = Block3With("hash", "0x5852BB12F91BF6F04A7DB268A24329B309D377E7BF56CB9326E89B5C7AAC0726");
  block["parentHash"] = "0x8C8A30C6F9E9B48B8E38E66AE2556F11C2A2AA78968DD984B495D9C85E960196";
  const auto parsed = ParseBlockHeader(block);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value->hash, "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726");
  EXPECT_EQ(parsed.value->parent_hash, "0x8c8a30c6f9e9b48b8e38e66ae2556f11c2a2aa78968dd984b495d9c85e960196");
}

TEST(ParseBlockHeader, NotAnObject) {
  // null: what eth_getBlockByHash answers for a block that left the chain.
  EXPECT_EQ(RefusalOf(nullptr), "block header is not a JSON object: null");
  EXPECT_EQ(RefusalOf(json::array()), "block header is not a JSON object: []");
  EXPECT_EQ(RefusalOf("0x3"), "block header is not a JSON object: \"0x3\"");
  EXPECT_EQ(RefusalOf(3), "block header is not a JSON object: 3");
}

TEST(ParseBlockHeader, Number) {
  EXPECT_EQ(RefusalOf(Block3Without("number")), "block header has no \"number\" field");
  EXPECT_EQ(RefusalOf(Block3With("number", nullptr)),
            "block header field \"number\" is not a 0x-hex quantity of at most 64 digits: null");
  EXPECT_EQ(RefusalOf(Block3With("number", 3)),
            "block header field \"number\" is not a 0x-hex quantity of at most 64 digits: 3");
  EXPECT_EQ(RefusalOf(Block3With("number", "3")),
            "block header field \"number\" is not a 0x-hex quantity of at most 64 digits: \"3\"");
  EXPECT_EQ(RefusalOf(Block3With("number", "0x1" + std::string(16, '0'))),
            "block header field \"number\" is out of range (above 2^64-1): \"0x10000000000000000\"");
  // Leading zeros: HexQuantity takes them, and so does the header.
  EXPECT_EQ(ParseBlockHeader(Block3With("number", "0x03")).value->number, 3u);
}

TEST(ParseBlockHeader, Hash) {
  EXPECT_EQ(RefusalOf(Block3Without("hash")), "block 3 has no \"hash\" field");
  // geth's "pending" block has a null hash.
  EXPECT_EQ(RefusalOf(Block3With("hash", nullptr)),
            "block 3 field \"hash\" is not a 32-byte 0x-hex hash: null");
  EXPECT_EQ(RefusalOf(Block3With("hash", "0x5852")),
            "block 3 field \"hash\" is not a 32-byte 0x-hex hash: \"0x5852\"");
}

TEST(ParseBlockHeader, ParentHash) {
  EXPECT_EQ(RefusalOf(Block3Without("parentHash")), "block 3 has no \"parentHash\" field");
  const std::string digits = "8c8a30c6f9e9b48b8e38e66ae2556f11c2a2aa78968dd984b495d9c85e960196";
  for (const std::string& bad : {digits, "0x" + digits.substr(1), "0x" + digits.substr(2),
                                 "0x" + digits + "00", "0x" + digits.substr(1) + "z"}) {
    EXPECT_EQ(RefusalOf(Block3With("parentHash", bad)),
              "block 3 field \"parentHash\" is not a 32-byte 0x-hex hash: \"" + bad + "\"");
  }
}

TEST(ParseBlockHeader, BaseFee) {
  EXPECT_EQ(RefusalOf(Block3With("baseFeePerGas", nullptr)),
            "block 3 field \"baseFeePerGas\" is not a 0x-hex quantity of at most 64 digits: null");
  EXPECT_EQ(RefusalOf(Block3With("baseFeePerGas", "1000000000")),
            "block 3 field \"baseFeePerGas\" is not a 0x-hex quantity of at most 64 digits: \"1000000000\"");
  const auto max = ParseBlockHeader(Block3With("baseFeePerGas", "0x" + std::string(64, 'f')));
  ASSERT_TRUE(max.ok()) << max.error;
  EXPECT_EQ(*max.value->base_fee, ~Uint256(0));
}

TEST(ParseBlockHeader, HugeValuesAreQuotedShort) {
  const std::string huge = "0x" + std::string(1 << 20, 'a');
  const std::string error = RefusalOf(Block3With("parentHash", huge));
  EXPECT_EQ(error,
            "block 3 field \"parentHash\" is not a 32-byte 0x-hex hash: \"0x" + std::string(77, 'a') + "...");
  json many = rpc_answers::Block3();
  for (int i = 0; i < 100000; ++i) many["extra" + std::to_string(i)] = i;  // unknown fields are ignored
  EXPECT_TRUE(ParseBlockHeader(many).ok());
}

// eth_getBlockByHash(hash, false) on a node without eth_getBlockReceipts (issue 19).
TEST(BlockTransactionHashes, ListsTheBlocksTransactions) {
  const BlockHeader block = *ParseBlockHeader(rpc_answers::Block3()).value;
  const auto hashes = BlockTransactionHashes(rpc_answers::Block3(), block);
  ASSERT_TRUE(hashes.ok()) << hashes.error;
  EXPECT_EQ(*hashes.value,
            (std::vector<std::string>{"0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef",
                                      "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5"}));
  // Full transaction objects (eth_getBlockByHash(hash, true)) are read for their hash.
  json full = rpc_answers::Block3();
  full["transactions"] =
      json::array({{{"hash", "0x3A6C2442A056774FA019CE24BCAB7A769D7CF29C51D900DFDACD76553D7313EF"}}});
  EXPECT_EQ(BlockTransactionHashes(full, block).value->front(),
            "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef");
}

TEST(BlockTransactionHashes, RefusesGoneOtherOrUnreadableBlocks) {
  const BlockHeader block = *ParseBlockHeader(rpc_answers::Block3()).value;
  EXPECT_NE(BlockTransactionHashes(json(nullptr), block).error.find("is gone"), std::string::npos);
  json other = Block3With("hash", "0x" + std::string(64, 'a'));
  EXPECT_NE(BlockTransactionHashes(other, block).error.find("the node answered block 3 (0xaaaa"),
            std::string::npos);
  EXPECT_NE(BlockTransactionHashes(Block3Without("transactions"), block).error.find("no transactions list"),
            std::string::npos);
  EXPECT_NE(BlockTransactionHashes(Block3With("transactions", json::array({"0x12"})), block)
                .error.find("transaction 0"),
            std::string::npos);
  EXPECT_FALSE(BlockTransactionHashes(Block3With("transactions", json::array({json::object()})), block).ok());
}
