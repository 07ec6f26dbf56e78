#include "core/amount.hpp"

#include <limits>

#include "core/error.hpp"

namespace txrelay {

Uint256 ParseAmount(std::string_view text, std::string_view arg, AmountRule rule) {
  const std::string range = rule == AmountRule::kPositive ? "between 1 and 2^256-1" : "between 0 and 2^256-1";
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string_view whole = s;
  std::string_view fraction;
  if (const auto dot = s.find('.'); dot != std::string_view::npos) {
    whole = s.substr(0, dot);
    fraction = s.substr(dot + 1);
  }
  auto all_digits = [](std::string_view v) {
    for (char c : v) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) {
    throw InvalidArgument(arg, "must be a whole number of base units",
                          "Got " + Quote(text) + "; amounts are integers in base units (wei).");
  }
  if (fraction.find_first_not_of('0') != std::string_view::npos) {
    throw InvalidArgument(
        arg, "must be a whole number of base units",
        "Got " + Quote(text) + "; amounts are integers in base units (wei), never fractions.");
  }
  while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
  const bool zero = whole == "0";
  // 2^256-1 has 78 digits; anything longer is out of range before parsing.
  bool too_big = whole.size() > 78;
  Uint256 value = 0;
  if (!too_big) {
    using Unbounded = boost::multiprecision::cpp_int;
    const Unbounded parsed{std::string(whole)};
    too_big = parsed > Unbounded(std::numeric_limits<Uint256>::max());
    if (!too_big) value = static_cast<Uint256>(parsed);
  }
  if ((negative && !zero) || too_big || (zero && rule == AmountRule::kPositive)) {
    throw Error(sqlstate::kNumericOutOfRange, std::string(arg) + " must be " + range,
                "Got " + Quote(text) + ".");
  }
  return value;
}

std::string ToDecimal(const Uint256& value) { return value.str(); }

}  // namespace txrelay

namespace txrelay {

std::array<std::uint8_t, 32> ToWord32(const Uint256& value) {
  // Boost's export_bits writes the significant bytes only: right-align them in the word.
  std::array<std::uint8_t, 32> word{};
  std::array<std::uint8_t, 32> digits{};
  const auto end = boost::multiprecision::export_bits(value, digits.begin(), 8);
  const auto n = static_cast<std::size_t>(end - digits.begin());
  std::copy(digits.begin(), digits.begin() + static_cast<std::ptrdiff_t>(n),
            word.end() - static_cast<std::ptrdiff_t>(n));
  return word;
}

Bytes ToMinimalBigEndian(const Uint256& value) {
  const auto word = ToWord32(value);
  auto first = word.begin();
  while (first != word.end() && *first == 0) ++first;
  return Bytes(first, word.end());
}

Uint256 FromBigEndian(const std::uint8_t* data, std::size_t size) {
  Uint256 value = 0;
  if (size > 0) boost::multiprecision::import_bits(value, data, data + size, 8);
  return value;
}

}  // namespace txrelay
