#include "core/rpc/probe.hpp"

#include "core/rpc/capability.hpp"
#include "core/rpc/parsed.hpp"

namespace txrelay::rpc {

namespace {

// The probe's calls by position in EndpointProbeCalls().
enum Position : std::size_t {
  kChainId,
  kBlockReceipts,
  kBySenderAndNonce,
  kSafe,
  kFinalized,
  kLatest,
  kCount
};

Call MakeCall(std::int64_t id, const char* method, nlohmann::json params) {
  return Call{id, method, std::move(params)};
}

// A method that may be missing: it exists when it answers anything but "no such method".
std::optional<CapabilityFinding> MethodFinding(const char* capability, const char* method, const Reply* r) {
  if (!r) return std::nullopt;
  if (!r->is_error) return CapabilityFinding{capability, true, std::string(method) + " answers"};
  if (MethodUnsupported(*r, method))
    return CapabilityFinding{capability, false, DescribeErrorReply(method, *r)};
  return CapabilityFinding{capability, std::nullopt, DescribeErrorReply(method, *r)};
}

std::optional<std::uint64_t> BlockNumberOf(const Reply* r) {
  if (!r || r->is_error || !r->result.is_object() || !r->result.contains("number")) return std::nullopt;
  return HexQuantity(r->result["number"]);
}

// A block tag: served when it names a block; an error or null means the node cannot say.
std::optional<CapabilityFinding> TagFinding(const char* capability, const char* tag, const Reply* r) {
  if (!r) return std::nullopt;
  const std::string method = std::string("eth_getBlockByNumber(\"") + tag + "\")";
  if (r->is_error) return CapabilityFinding{capability, false, DescribeErrorReply(method, *r)};
  if (const auto n = BlockNumberOf(r))
    return CapabilityFinding{capability, true, method + ": block " + std::to_string(*n)};
  return CapabilityFinding{capability, std::nullopt, method + ": " + ShortenText(r->result.dump())};
}

std::optional<CapabilityFinding> ChainFinding(std::int64_t chain_id, const Reply* r) {
  if (!r) return std::nullopt;
  if (r->is_error)
    return CapabilityFinding{"serves_chain", std::nullopt, DescribeErrorReply("eth_chainId", *r)};
  const auto id = HexQuantity(r->result);
  if (!id)
    return CapabilityFinding{"serves_chain", std::nullopt, "eth_chainId: " + ShortenText(r->result.dump())};
  const bool same = *id == static_cast<std::uint64_t>(chain_id);
  return CapabilityFinding{
      "serves_chain", same,
      "eth_chainId: " + std::to_string(*id) +
          (same ? "" : " (the endpoint is configured for chain " + std::to_string(chain_id) + ")")};
}

// Whether finalized lags latest, as on every chain whose finality takes time. A node whose
// finalized tag is its latest block past genesis (dev nodes) would finalize on inclusion.
std::optional<CapabilityFinding> LagFinding(const Reply* finalized, const Reply* latest) {
  const auto f = BlockNumberOf(finalized), l = BlockNumberOf(latest);
  if (!f || !l) return std::nullopt;
  const std::string answer = "finalized block " + std::to_string(*f) + ", latest " + std::to_string(*l);
  if (*l == 0) return CapabilityFinding{"finality_lags_latest", std::nullopt, answer + " (only genesis)"};
  return CapabilityFinding{"finality_lags_latest", *f < *l, answer};
}

}  // namespace

std::vector<Call> EndpointProbeCalls() {
  std::vector<Call> calls(kCount);
  calls[kChainId] = MakeCall(1, "eth_chainId", nlohmann::json::array());
  calls[kBlockReceipts] = MakeCall(2, "eth_getBlockReceipts", {"latest"});
  calls[kBySenderAndNonce] = MakeCall(3, "eth_getTransactionBySenderAndNonce",
                                      {"0x0000000000000000000000000000000000000000", "0x0"});
  calls[kSafe] = MakeCall(4, "eth_getBlockByNumber", {"safe", false});
  calls[kFinalized] = MakeCall(5, "eth_getBlockByNumber", {"finalized", false});
  calls[kLatest] = MakeCall(6, "eth_getBlockByNumber", {"latest", false});
  return calls;
}

std::vector<Call> BatchProbeCalls() {
  return {MakeCall(1, "eth_chainId", nlohmann::json::array()),
          MakeCall(2, "eth_blockNumber", nlohmann::json::array())};
}

Call SignerProbeCall() { return MakeCall(1, "eth_signTransaction", nlohmann::json::array()); }

std::vector<CapabilityFinding> JudgeEndpointProbe(std::int64_t chain_id,
                                                  const std::vector<const Reply*>& replies) {
  const auto at = [&replies](std::size_t i) { return i < replies.size() ? replies[i] : nullptr; };
  std::vector<CapabilityFinding> out;
  for (auto finding :
       {ChainFinding(chain_id, at(kChainId)),
        MethodFinding("block_receipts", "eth_getBlockReceipts", at(kBlockReceipts)),
        MethodFinding("tx_by_sender_and_nonce", "eth_getTransactionBySenderAndNonce", at(kBySenderAndNonce)),
        TagFinding("safe_tag", "safe", at(kSafe)), TagFinding("finalized_tag", "finalized", at(kFinalized)),
        LagFinding(at(kFinalized), at(kLatest))}) {
    if (finding) out.push_back(std::move(*finding));
  }
  return out;
}

CapabilityFinding JudgeBatchProbe(const std::optional<std::vector<Reply>>& replies, const std::string& why) {
  if (!replies) return {"batches", false, "a batch of 2 calls: " + ShortenText(why)};
  for (const auto& r : *replies) {
    if (r.is_error) return {"batches", false, "a batch of 2 calls: " + DescribeErrorReply("batch item", r)};
  }
  return {"batches", true, "a batch of 2 calls answered"};
}

CapabilityFinding JudgeSignerProbe(const Reply& reply) {
  auto finding = MethodFinding("sign_transaction", "eth_signTransaction", &reply);
  // Any answer but "no such method" shows the method is there (it refused the missing argument).
  if (!finding->supported) finding->supported = true;
  return *finding;
}

}  // namespace txrelay::rpc
