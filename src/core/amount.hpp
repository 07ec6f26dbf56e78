// Exact 256-bit amounts in base units (wei and token base units), with Boost.Multiprecision.
// Never a double: a rounding error is money paid twice or not at all.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/multiprecision/cpp_int.hpp>

#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

// Unsigned 256-bit integer that throws on overflow instead of wrapping.
using Uint256 = boost::multiprecision::number<boost::multiprecision::cpp_int_backend<
    256, 256, boost::multiprecision::unsigned_magnitude, boost::multiprecision::checked, void>>;

enum class AmountRule {
  kPositive,     // 1 <= amount < 2^256: what a withdrawal or a credit moves
  kNonNegative,  // 0 <= amount < 2^256: limits and fee caps
};

// Parses the decimal text of a SQL numeric given as argument `arg`: an optional sign, digits and
// an optional fraction that must be all zeros ("100.00" is 100). Throws Error 22023 for anything
// that is not a whole number (fractions, NaN, Infinity, garbage) and 22003 for a whole number out
// of range, each naming `arg`.
Uint256 ParseAmount(std::string_view text, std::string_view arg, AmountRule rule);

// Decimal digits without sign, exponent or leading zeros.
std::string ToDecimal(const Uint256& value);

// The 32-byte big-endian word of a value (EVM words, signature r and s).
std::array<std::uint8_t, 32> ToWord32(const Uint256& value);
// Big-endian bytes without leading zeros (empty for zero): RLP integers, JSON-RPC quantities.
Bytes ToMinimalBigEndian(const Uint256& value);
// A big-endian byte string of at most 32 bytes as a value.
Uint256 FromBigEndian(const std::uint8_t* data, std::size_t size);

}  // namespace txrelay
