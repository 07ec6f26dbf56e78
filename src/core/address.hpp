// Ethereum addresses: "0x" + 40 hex digits; mixed case must carry a valid EIP-55 checksum.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

struct Address {
  std::array<std::uint8_t, 20> bytes{};

  // The EIP-55 mixed-case form: the one spelling txrelay stores and prints.
  std::string Checksummed() const;
  bool operator==(const Address& other) const { return bytes == other.bytes; }
  bool operator!=(const Address& other) const { return bytes != other.bytes; }
};

// Parses an address given as argument `arg`. All-lower and all-upper hex are accepted as they
// carry no checksum; any mixed case must match EIP-55 exactly, since a wrong checksum usually
// means a typo in a withdrawal destination. Throws Error 22023 naming `arg`.
Address ParseAddress(std::string_view text, std::string_view arg);

// The same, refusing the zero address (0x000…0): no one holds its key, so a payment there is
// burned, and no transaction is ever sent from it. Throws Error 22023 naming `arg`.
Address ParseNonZeroAddress(std::string_view text, std::string_view arg);

}  // namespace txrelay
