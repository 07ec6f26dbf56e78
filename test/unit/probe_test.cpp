// The capability probe (core/rpc/probe), on the answers anvil 1.7.1, ganache 7.9.2 and Hardhat
// 2.22.19 gave to its calls (issue 19, docs/nodes.md).
#include <gtest/gtest.h>

#include "rpc_answers.hpp"

#include <map>

#include "core/rpc/probe.hpp"

using namespace txrelay::rpc;

namespace {

Reply Ok(nlohmann::json result) {
  Reply r;
  r.result = std::move(result);
  return r;
}

Reply Error(long code, std::string message) { return rpc_answers::ErrorReply(code, std::move(message)); }

nlohmann::json Block(const char* number) { return {{"number", number}, {"hash", "0x01"}}; }

std::map<std::string, CapabilityFinding> ByName(const std::vector<CapabilityFinding>& findings) {
  std::map<std::string, CapabilityFinding> out;
  for (const auto& f : findings) out.emplace(f.capability, f);
  return out;
}

std::vector<const Reply*> Pointers(const std::vector<Reply>& replies) {
  std::vector<const Reply*> out;
  for (const auto& r : replies) out.push_back(&r);
  return out;
}

}  // namespace

TEST(CapabilityProbe, AskSixThingsWithoutChangingAnything) {
  const auto calls = EndpointProbeCalls();
  ASSERT_EQ(calls.size(), 6u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.method.rfind("eth_get", 0) == 0 || c.method == "eth_chainId", true) << c.method;
  }
  EXPECT_EQ(SignerProbeCall().params, nlohmann::json::array());  // nothing to sign
}

TEST(CapabilityProbe, AnvilHasEverythingAndFinalityLags) {
  const std::vector<Reply> replies{Ok("0x7a69"),     Ok(nlohmann::json::array()),
                                   Ok(nullptr),      Ok(Block("0x0")),
                                   Ok(Block("0x0")), Ok(Block("0x5"))};
  const auto f = ByName(JudgeEndpointProbe(31337, Pointers(replies)));
  ASSERT_EQ(f.size(), 6u);
  for (const char* name : {"serves_chain", "block_receipts", "tx_by_sender_and_nonce", "safe_tag",
                           "finalized_tag", "finality_lags_latest"}) {
    EXPECT_EQ(f.at(name).supported, std::optional<bool>(true)) << name << ": " << f.at(name).answer;
  }
  EXPECT_EQ(f.at("finality_lags_latest").answer, "finalized block 0, latest 5");
}

TEST(CapabilityProbe, GanacheAndHardhatLackMethodsAndFinalizeAtLatest) {
  const std::vector<Reply> ganache{
      Ok("0x7a69"),
      Error(-32000, "The method eth_getBlockReceipts does not exist/is not available"),
      Error(-32000, "The method eth_getTransactionBySenderAndNonce does not exist/is not available"),
      Ok(Block("0x3")),
      Ok(Block("0x3")),
      Ok(Block("0x3"))};
  const std::vector<Reply> hardhat{
      Ok("0x7a69"),
      Error(-32004, "Method eth_getBlockReceipts is not supported"),
      Error(-32004, "Method eth_getTransactionBySenderAndNonce is not supported"),
      Ok(Block("0x3")),
      Ok(Block("0x3")),
      Ok(Block("0x3"))};
  for (const auto* replies : {&ganache, &hardhat}) {
    const auto f = ByName(JudgeEndpointProbe(31337, Pointers(*replies)));
    EXPECT_EQ(f.at("block_receipts").supported, std::optional<bool>(false));
    EXPECT_NE(f.at("block_receipts").answer.find("eth_getBlockReceipts"), std::string::npos);
    EXPECT_EQ(f.at("tx_by_sender_and_nonce").supported, std::optional<bool>(false));
    EXPECT_EQ(f.at("finality_lags_latest").supported, std::optional<bool>(false));
    EXPECT_EQ(f.at("safe_tag").supported, std::optional<bool>(true));
  }
}

TEST(CapabilityProbe, GenesisOnlyTellsNothingAboutFinality) {
  const std::vector<Reply> replies{Ok("0x7a69"),     Ok(nlohmann::json::array()),
                                   Ok(nullptr),      Ok(Block("0x0")),
                                   Ok(Block("0x0")), Ok(Block("0x0"))};
  const auto f = ByName(JudgeEndpointProbe(31337, Pointers(replies)));
  EXPECT_EQ(f.at("finality_lags_latest").supported, std::nullopt);
}

TEST(CapabilityProbe, AnEndpointOfAnotherChainIsCalledOut) {
  const std::vector<Reply> replies{Ok("0x1")};
  const auto f = ByName(JudgeEndpointProbe(31337, Pointers(replies)));
  EXPECT_EQ(f.at("serves_chain").supported, std::optional<bool>(false));
  EXPECT_EQ(f.at("serves_chain").answer, "eth_chainId: 1 (the endpoint is configured for chain 31337)");
  EXPECT_EQ(f.count("block_receipts"), 0u);  // unanswered calls record nothing
}

TEST(CapabilityProbe, AFailingCallIsNotAMissingMethod) {
  const std::vector<Reply> replies{Error(-32603, "internal error"),
                                   Error(-32000, "header not found"),
                                   Error(-32005, "limit exceeded"),
                                   Error(-32602, "invalid block tag safe"),
                                   Ok(nullptr),
                                   Ok(Block("0x9"))};
  const auto f = ByName(JudgeEndpointProbe(1, Pointers(replies)));
  EXPECT_EQ(f.at("serves_chain").supported, std::nullopt);
  EXPECT_EQ(f.at("block_receipts").supported, std::nullopt);
  EXPECT_EQ(f.at("tx_by_sender_and_nonce").supported, std::nullopt);
  EXPECT_EQ(f.at("safe_tag").supported, std::optional<bool>(false));  // a pre-merge node
  EXPECT_EQ(f.at("finalized_tag").supported, std::nullopt);
  EXPECT_EQ(f.count("finality_lags_latest"), 0u);
}

TEST(CapabilityProbe, Batches) {
  EXPECT_EQ(JudgeBatchProbe(std::vector<Reply>{Ok("0x1"), Ok("0x2")}, "").supported,
            std::optional<bool>(true));
  const auto refused =
      JudgeBatchProbe(std::nullopt, "not a JSON-RPC answer: {\"error\":\"batch requests are not allowed\"}");
  EXPECT_EQ(refused.supported, std::optional<bool>(false));
  EXPECT_NE(refused.answer.find("not allowed"), std::string::npos);
  EXPECT_EQ(JudgeBatchProbe(std::vector<Reply>{Error(-32600, "batch too large"), Ok("0x2")}, "").supported,
            std::optional<bool>(false));
}

TEST(CapabilityProbe, ASignerThatCannotSign) {
  const auto hardhat = JudgeSignerProbe(Error(-32004, "Method eth_signTransaction is not supported"));
  EXPECT_EQ(hardhat.supported, std::optional<bool>(false));
  EXPECT_EQ(hardhat.answer, "eth_signTransaction: -32004 Method eth_signTransaction is not supported");
  const auto anvil = JudgeSignerProbe(Error(-32602, "expected params sequence with length 1 but got 0"));
  EXPECT_EQ(anvil.supported, std::optional<bool>(true));
  const auto ganache = JudgeSignerProbe(
      Error(-32000, "Incorrect number of arguments. 'eth_signTransaction' requires exactly 1 argument."));
  EXPECT_EQ(ganache.supported, std::optional<bool>(true));
}
