// Building RPC exchanges and reading their replies: shared by the workers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bgworker/rpc_gateway.hpp"
#include "core/amount.hpp"

namespace txrelay::bgworker {

// A read: idempotent, so it may move on to another endpoint after an unknown outcome and reuse
// kept-alive connections.
Exchange ReadExchange(std::vector<Target> targets);

// A send or a signer call: stops on an unknown outcome (the caller checks the status first), on
// a fresh connection (libcurl cannot repeat it behind our back).
Exchange WriteExchange(std::vector<Target> targets);

void AddCall(Exchange& exchange, const std::string& method, nlohmann::json params, CallIds ids);

// The reply to call `i`, or nullptr when the exchange failed as a whole.
const rpc::Reply* ReplyAt(const Exchange& exchange, std::size_t i);

// "method: code message" of an error reply.
std::string ReplyError(const std::string& method, const rpc::Reply& reply);

// A block header from eth_getBlockByNumber / eth_getBlockByHash (transactions not expanded).
struct BlockHeader {
  std::uint64_t number = 0;
  std::string hash;         // 0x-hex
  std::string parent_hash;  // 0x-hex
  std::optional<Uint256> base_fee;
};
std::optional<BlockHeader> ParseBlockHeader(const nlohmann::json& block);

}  // namespace txrelay::bgworker
