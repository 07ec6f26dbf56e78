// What an endpoint or a signer can do, asked of it (issue 19): the calls of a capability probe
// and how each answer is read. A probe asks nothing that changes the node or signs anything: a
// signer is asked eth_signTransaction without a transaction, so a method that exists refuses the
// missing argument and one that does not says so. Recorded in txrelay.node_capabilities; the
// workers choose their way by it (docs/nodes.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rpc/jsonrpc.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// One capability as recorded: supported is nullopt when the answer did not tell (an error that
// is not "no such method"); answer is what the node said, in its words (shortened).
struct CapabilityFinding {
  std::string capability;  // a name of txrelay.node_capabilities.capability
  std::optional<bool> supported;
  std::string answer;
};

// The single calls of an endpoint's probe, in order (each sent on its own, so that one refusal
// cannot hide another; the batch capability is asked separately).
std::vector<Call> EndpointProbeCalls();
// The two calls sent together as a JSON-RPC batch to learn whether the endpoint takes batches.
std::vector<Call> BatchProbeCalls();
Call SignerProbeCall();

// Reads the replies to EndpointProbeCalls() (nullptr where a call got no JSON-RPC answer) into
// findings: chain_id (does the endpoint serve `chain_id`?), block_receipts,
// tx_by_sender_and_nonce, safe_tag, finalized_tag and tags_follow_latest (finalized is the latest
// block, past genesis: a node that does not lag finality). Calls without an answer give nothing.
std::vector<CapabilityFinding> JudgeEndpointProbe(std::int64_t chain_id,
                                                  const std::vector<const Reply*>& replies);
// Batches: `replies` are the decoded answers of a batch (nullopt when the body was no JSON-RPC
// answer to it); `why` what the transport or the decoder said.
CapabilityFinding JudgeBatchProbe(const std::optional<std::vector<Reply>>& replies, const std::string& why);
// eth_signTransaction: absent only when the signer says the method does not exist.
CapabilityFinding JudgeSignerProbe(const Reply& reply);

}  // namespace txrelay::rpc
