// rpc::MethodUnsupported, on the answers of real nodes (issue 19, docs/nodes.md).
#include <gtest/gtest.h>

#include "rpc_answers.hpp"

#include "core/rpc/capability.hpp"

using txrelay::rpc::MethodUnsupported;
using txrelay::rpc::Reply;

namespace {

Reply Error(long code, std::string message) { return rpc_answers::ErrorReply(code, std::move(message)); }

}  // namespace

TEST(MethodUnsupported, EachNodesWayOfSayingSo) {
  EXPECT_TRUE(
      MethodUnsupported(Error(-32601, "the method eth_getBlockReceipts does not exist/is not available"),
                        "eth_getBlockReceipts"));  // geth, reth
  EXPECT_TRUE(
      MethodUnsupported(Error(-32601, "Method not found"), "eth_getBlockReceipts"));  // Nethermind, Besu
  EXPECT_TRUE(MethodUnsupported(Error(-32004, "Method eth_getBlockReceipts is not supported"),
                                "eth_getBlockReceipts"));  // Hardhat
  EXPECT_TRUE(
      MethodUnsupported(Error(-32700, "The method eth_getBlockReceipts does not exist/is not available"),
                        "eth_getBlockReceipts"));
  EXPECT_TRUE(
      MethodUnsupported(Error(-32000, "The method eth_signTransaction does not exist/is not available"),
                        "eth_signTransaction"));  // ganache
}

TEST(MethodUnsupported, AFailedCallIsNotAMissingMethod) {
  Reply ok;
  ok.result = nullptr;
  EXPECT_FALSE(MethodUnsupported(ok, "eth_getBlockReceipts"));
  EXPECT_FALSE(MethodUnsupported(Error(-32000, "header not found"), "eth_getBlockReceipts"));
  EXPECT_FALSE(MethodUnsupported(Error(-32000, "historical state not available"), "eth_getBlockReceipts"));
  EXPECT_FALSE(MethodUnsupported(Error(-32602, "invalid argument 0: hex string has length 3"),
                                 "eth_getBlockReceipts"));
  // Another method's name in the message does not count.
  EXPECT_FALSE(MethodUnsupported(Error(-32000, "The method eth_foo does not exist/is not available"),
                                 "eth_getBlockReceipts"));
}
