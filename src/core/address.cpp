#include "core/address.hpp"

#include <cctype>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"

namespace txrelay {

std::string Address::Checksummed() const {
  const std::string lower = ToHex(bytes.data(), bytes.size(), false);
  const Hash32 hash = Keccak256(lower);
  std::string out = "0x";
  for (std::size_t i = 0; i < lower.size(); ++i) {
    const int nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;
    const char c = lower[i];
    out.push_back((c >= 'a' && nibble >= 8) ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

Address ParseAddress(std::string_view text, std::string_view arg) {
  const std::string detail = "Expected 0x followed by 40 hexadecimal digits, got " + Quote(text) + ".";
  if (text.size() != 42 || text[0] != '0' || text[1] != 'x') {
    throw InvalidArgument(arg, "is not a valid address", detail);
  }
  const std::string_view digits = text.substr(2);
  bool has_lower = false;
  bool has_upper = false;
  for (char c : digits) {
    if (HexDigitValue(c) < 0) throw InvalidArgument(arg, "is not a valid address", detail);
    has_lower |= (c >= 'a' && c <= 'f');
    has_upper |= (c >= 'A' && c <= 'F');
  }
  Address address;
  const auto bytes = FromHex(digits);
  std::copy(bytes->begin(), bytes->end(), address.bytes.begin());
  if (has_lower && has_upper) {
    const std::string expected = address.Checksummed();
    if (expected.compare(2, std::string::npos, digits) != 0) {
      throw InvalidArgument(arg, "has an invalid EIP-55 checksum",
                            "Got " + Quote(text) + "; the checksummed form of these digits is " +
                                Quote(expected) + ". Check the address for a typo.");
    }
  }
  return address;
}

Address ParseNonZeroAddress(std::string_view text, std::string_view arg) {
  const Address address = ParseAddress(text, arg);
  if (address == Address{}) {
    throw InvalidArgument(
        arg, "must not be the zero address",
        "No one holds the key of 0x0000000000000000000000000000000000000000: a payment there "
        "is burned and nothing is ever sent from it.");
  }
  return address;
}

}  // namespace txrelay
