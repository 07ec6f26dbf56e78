// Strict readers of the fields of a node's JSON answer (an Ethereum JSON-RPC object). Each one
// refuses a missing or malformed field with a sentence that names it: `what` names the object
// ("block header", "receipt of 0x…") and starts the sentence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/amount.hpp"
#include "core/rpc/parsed.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// Refuses anything but a JSON object (null too: "not found" is the caller's to tell apart).
std::optional<Refusal> RequireObject(const nlohmann::json& value, std::string_view what);

// A quantity ("0x1a"; as rpc::HexQuantity reads it) that fits 64 bits.
Parsed<std::uint64_t> ReadQuantity64(const nlohmann::json& object, std::string_view field,
                                     std::string_view what);
// A quantity below 2^256.
Parsed<Uint256> ReadQuantity256(const nlohmann::json& object, std::string_view field, std::string_view what);
// "0x" and 64 hex digits of either case; given back in lower case.
Parsed<std::string> ReadHash32(const nlohmann::json& object, std::string_view field, std::string_view what);

// Whether two 0x-hex strings are equal, hex digits compared case-insensitively (nodes answer in
// lower case; a checksum-style or upper-case copy must still match).
bool SameHash(std::string_view a, std::string_view b);

}  // namespace txrelay::rpc
