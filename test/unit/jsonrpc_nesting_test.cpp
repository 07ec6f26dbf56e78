// rpc::DecodeResponse refuses a body nested deeper than any real answer, before anything walks it
// recursively: a few hundred kilobytes of '[' from a hostile node must not crash a worker.
#include <gtest/gtest.h>

#include <string>

#include "core/rpc/jsonrpc.hpp"
#include "rpc_answers.hpp"

using namespace txrelay::rpc;

namespace {

const std::vector<Call> kOneCall = {{1, "eth_getBlockReceipts", nlohmann::json::array({"0x3"})}};

// A response whose result is `levels` nested arrays around 1: the body nests levels + 1 deep.
std::string NestedResult(std::size_t levels) {
  return R"({"jsonrpc":"2.0","id":1,"result":)" + std::string(levels, '[') + "1" + std::string(levels, ']') +
         "}";
}

}  // namespace

TEST(DecodeResponseNesting, RealAnswersPass) {
  nlohmann::json receipts = rpc_answers::Block3Receipts();
  receipts[0]["logs"] = nlohmann::json::parse(R"([{"topics": ["0xddf2"], "data": "0x"}])");
  const nlohmann::json batch = nlohmann::json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"result", receipts}}});
  const auto replies = DecodeResponse(batch.dump(), kOneCall);
  ASSERT_TRUE(replies);
  EXPECT_EQ((*replies)[0].result, receipts);
}

TEST(DecodeResponseNesting, SixtyFourLevelsAtMost) {
  EXPECT_TRUE(DecodeResponse(NestedResult(63), kOneCall));
  EXPECT_FALSE(DecodeResponse(NestedResult(64), kOneCall));
}

TEST(DecodeResponseNesting, AHugeNestingIsRefusedWithoutRecursion) {
  EXPECT_FALSE(DecodeResponse(NestedResult(1000000), kOneCall));
  std::string deep_objects;
  for (int i = 0; i < 500000; ++i) deep_objects += "{\"a\":";
  EXPECT_FALSE(DecodeResponse(
      R"({"jsonrpc":"2.0","id":1,"result":)" + deep_objects + "1" + std::string(500000, '}') + "}",
      kOneCall));
}
