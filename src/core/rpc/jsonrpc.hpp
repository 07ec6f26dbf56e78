// JSON-RPC 2.0 framing for one call or a batch, with nlohmann/json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

struct Call {
  std::int64_t id = 0;
  std::string method;
  nlohmann::json params = nlohmann::json::array();
};

// The request body: one object for one call, an array for several.
std::string EncodeRequest(const std::vector<Call>& calls);

struct Reply {
  std::int64_t id = 0;
  bool is_error = false;
  nlohmann::json result;  // when !is_error
  long error_code = 0;    // when is_error
  std::string error_message;
};

// "method: code message" of an error reply, as the workers log and record it; the node's message
// is cut after 300 bytes (a hostile node cannot flood a log line or a status_reason).
std::string DescribeErrorReply(std::string_view method, const Reply& reply);

// Parses a response body for the calls that were sent: one reply per call, matched by id, in the
// order of `calls`. nullopt when the body is not a valid JSON-RPC answer to them (not JSON, not an
// object or array, a missing or duplicate id, neither result nor error, nested deeper than 64
// levels) - a bad_response.
std::optional<std::vector<Reply>> DecodeResponse(const std::string& body, const std::vector<Call>& calls);

// A 0x-hex quantity ("0x1a") as an unsigned integer; nullopt if malformed or too large.
std::optional<std::uint64_t> HexQuantity(const nlohmann::json& value);
std::optional<Uint256> HexQuantity256(const nlohmann::json& value);
std::string ToHexQuantity(const Uint256& value);

}  // namespace txrelay::rpc
