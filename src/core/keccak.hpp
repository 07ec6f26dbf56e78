// Keccak-256 as Ethereum uses it (0x01 padding, not SHA3-256), through Crypto++'s Keccak_256.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

using Hash32 = std::array<std::uint8_t, 32>;

Hash32 Keccak256(const std::uint8_t* data, std::size_t size);
inline Hash32 Keccak256(std::string_view text) {
  return Keccak256(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}
inline Hash32 Keccak256(const Bytes& bytes) { return Keccak256(bytes.data(), bytes.size()); }

// The bytes as a hash, if there are exactly 32 of them.
std::optional<Hash32> AsHash32(const std::uint8_t* data, std::size_t size);
inline std::optional<Hash32> AsHash32(std::string_view bytes) {
  return AsHash32(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace txrelay
