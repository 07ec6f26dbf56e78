// A node's transaction object rebuilt into signed bytes (core/rpc/node_transaction, issue 20):
// answers recorded from anvil 1.7.1 (eth_getTransactionBySenderAndNonce) for a type-2 transfer, an
// EIP-155 legacy transfer and a type-2 ERC-20 call, all from anvil's first dev account. Any field a
// node misstates gives bytes that do not hash to its "hash": such an answer is refused.
#include <gtest/gtest.h>

#include "core/rpc/node_transaction.hpp"

using namespace txrelay;
using txrelay::rpc::ParseNodeTransaction;

namespace {

constexpr const char* kSender = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

nlohmann::json DynamicFeeTransfer() {
  return nlohmann::json::parse(R"({"type":"0x2","chainId":"0x7a69","nonce":"0x0","gas":"0x5208",
    "maxFeePerGas":"0x77359401","maxPriorityFeePerGas":"0x1","to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    "value":"0x3039","accessList":[],"input":"0x",
    "r":"0xbc508c65f07d489af0195aedd72fc18ac7ec5bd5b272968372c2937b3d975c1a",
    "s":"0x5b0c07d90e0914d93a6c4cc8df647f1de12701a85d7878971f459c77362a68f0","yParity":"0x0","v":"0x0",
    "hash":"0xcbe93622799fc3836168dc6f52fcd86abd738d24dfd197a66c4cf956f901bd0f",
    "blockHash":"0xff82cfb4a61a4a042e4da865360b7a37b27c0b75b3ff878baf0ab55bc5b36f72","blockNumber":"0x1",
    "transactionIndex":"0x0","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","gasPrice":"0x3b9aca01"})");
}

nlohmann::json LegacyTransfer() {
  return nlohmann::json::parse(R"({"type":"0x0","chainId":"0x7a69","nonce":"0x1","gasPrice":"0x6fc4e658",
    "gas":"0x5208","to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","value":"0x7","input":"0x",
    "r":"0x10a8d602c6dad235425b0c20323fe6d5b665a2bf9e3fdf98b078056f7085a600",
    "s":"0x43ff213fbbc61f92cc6be956feae43c8fbfb67767b48da03ec00f7e3c1e74adf","v":"0xf4f6",
    "hash":"0x366ab659d2c52927bb4c3e8f9acd588cf5162334889cdddc7d67c16732ec107b",
    "from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"})");
}

nlohmann::json Erc20Call() {
  return nlohmann::json::parse(R"({"type":"0x2","chainId":"0x7a69","nonce":"0x2","gas":"0xea60",
    "maxFeePerGas":"0x86219db0","maxPriorityFeePerGas":"0x1dcd6500","to":"0x5fbdb2315678afecb367f032d93f642f64180aa3",
    "value":"0x0","accessList":[],
    "input":"0xa9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c80000000000000000000000000000000000000000000000000000000000000005",
    "r":"0x9705d423eb6dc51d2b803b47662415fe7de4032029d6c133e8c18ccb3fa7e254",
    "s":"0x236531dddc98fd7a2e83c5ae2b502dab710acf59580128444b8ec8893ff2536a","yParity":"0x1","v":"0x1",
    "hash":"0x6f736ac35686bc95a4a4f28496ed2b46e42373a2f2d068da899f1d5af0c2d337",
    "from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"})");
}

std::string HashOf(const eth::SignedTx& tx) { return ToHex(tx.hash.data(), tx.hash.size()); }

}  // namespace

TEST(NodeTransaction, RebuildsWhatTheNodeMinedOfEachType) {
  for (const auto& tx : {DynamicFeeTransfer(), LegacyTransfer(), Erc20Call()}) {
    const auto parsed = ParseNodeTransaction(tx);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(HashOf(*parsed.value), tx["hash"].get<std::string>());
    EXPECT_EQ(parsed.value->sender.Checksummed(), kSender);
    EXPECT_EQ(parsed.value->tx.chain_id, 31337u);
  }
  const auto legacy = ParseNodeTransaction(LegacyTransfer());
  EXPECT_EQ(legacy.value->tx.type, eth::TxType::kLegacy);
  EXPECT_EQ(legacy.value->tx.value, 7);
  const auto erc20 = ParseNodeTransaction(Erc20Call());
  EXPECT_EQ(erc20.value->tx.data.size(), 68u);
  EXPECT_EQ(erc20.value->tx.nonce, 2u);
}

TEST(NodeTransaction, RefusesAnyMisstatedField) {
  for (const char* field : {"value", "nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas"}) {
    auto tx = DynamicFeeTransfer();
    tx[field] = "0x3a";
    const auto parsed = ParseNodeTransaction(tx);
    ASSERT_FALSE(parsed.ok()) << field;
    EXPECT_NE(parsed.error.find("not to the node's hash"), std::string::npos) << parsed.error;
  }
  auto other_to = DynamicFeeTransfer();
  other_to["to"] = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
  EXPECT_FALSE(ParseNodeTransaction(other_to).ok());
  auto other_data = Erc20Call();
  other_data["input"] = other_data["input"].get<std::string>().substr(0, 136) + "06";
  EXPECT_FALSE(ParseNodeTransaction(other_data).ok());
}

TEST(NodeTransaction, RefusesASenderTheSignatureDoesNotRecover) {
  auto tx = DynamicFeeTransfer();
  tx["from"] = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  const auto parsed = ParseNodeTransaction(tx);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("recovers 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), std::string::npos)
      << parsed.error;
  auto flipped = DynamicFeeTransfer();
  flipped["yParity"] = "0x1";  // another key: another sender, and the hash changes with it
  EXPECT_FALSE(ParseNodeTransaction(flipped).ok());
}

TEST(NodeTransaction, RefusesWhatIsNoPaymentOrNotATransaction) {
  auto create = DynamicFeeTransfer();
  create["to"] = nullptr;
  EXPECT_NE(ParseNodeTransaction(create).error.find("creates a contract"), std::string::npos);
  auto blob = DynamicFeeTransfer();
  blob["type"] = "0x3";
  EXPECT_NE(ParseNodeTransaction(blob).error.find("type 3"), std::string::npos);
  auto no_r = DynamicFeeTransfer();
  no_r.erase("r");
  EXPECT_NE(ParseNodeTransaction(no_r).error.find("\"r\""), std::string::npos);
  auto bad_input = DynamicFeeTransfer();
  bad_input["input"] = "0xzz";
  EXPECT_NE(ParseNodeTransaction(bad_input).error.find("\"input\""), std::string::npos);
  auto high_s = DynamicFeeTransfer();
  high_s["s"] = "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140";
  EXPECT_FALSE(ParseNodeTransaction(high_s).ok());
  EXPECT_FALSE(ParseNodeTransaction(nlohmann::json()).ok());
  EXPECT_FALSE(ParseNodeTransaction(nlohmann::json::array()).ok());
  auto pre155 = LegacyTransfer();
  pre155["v"] = "0x1b";  // parses, but another (pre-EIP-155) signing hash: not the node's transaction
  EXPECT_FALSE(ParseNodeTransaction(pre155).ok());
}
