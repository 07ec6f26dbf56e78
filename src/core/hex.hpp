// Hexadecimal text <-> bytes, strict: used for addresses, hashes and raw transactions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpp_only.hpp"

namespace txrelay {

using Bytes = std::vector<std::uint8_t>;

// Lower-case hex of the bytes, with a "0x" prefix when asked.
std::string ToHex(const std::uint8_t* data, std::size_t size, bool prefix = true);
inline std::string ToHex(const Bytes& bytes, bool prefix = true) {
  return ToHex(bytes.data(), bytes.size(), prefix);
}

// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);

// Parses hex digits (either case) with an optional "0x" prefix; an odd number of digits or any
// other character gives nullopt.
std::optional<Bytes> FromHex(std::string_view text);

}  // namespace txrelay
