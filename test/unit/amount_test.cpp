#include "core/amount.hpp"

#include "test_support.hpp"

using txrelay::AmountRule;
using txrelay::ParseAmount;
using txrelay::ToDecimal;

namespace {
const std::string kMax = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
const std::string kTwoTo256 =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";
}  // namespace

TEST(Amount, ParsesWholeNumbersExactly) {
  EXPECT_EQ(ToDecimal(ParseAmount("1", "amount", AmountRule::kPositive)), "1");
  EXPECT_EQ(ToDecimal(ParseAmount("1000000000000000000", "amount", AmountRule::kPositive)),
            "1000000000000000000");
  EXPECT_EQ(ToDecimal(ParseAmount(kMax, "amount", AmountRule::kPositive)), kMax);
  EXPECT_EQ(ToDecimal(ParseAmount("00042", "amount", AmountRule::kPositive)), "42");
}

TEST(Amount, TrailingZeroFractionIsTheSameWholeNumber) {
  EXPECT_EQ(ToDecimal(ParseAmount("100.000", "amount", AmountRule::kPositive)), "100");
}

TEST(Amount, NonNegativeRuleAcceptsZero) {
  EXPECT_EQ(ToDecimal(ParseAmount("0", "limit", AmountRule::kNonNegative)), "0");
  EXPECT_EQ(ToDecimal(ParseAmount("-0", "limit", AmountRule::kNonNegative)), "0");
}

TEST(Amount, OutOfRangeIs22003) {
  EXPECT_SQLSTATE(ParseAmount("0", "amount", AmountRule::kPositive), "22003");
  EXPECT_SQLSTATE(ParseAmount("-1", "amount", AmountRule::kPositive), "22003");
  EXPECT_SQLSTATE(ParseAmount("-1", "limit", AmountRule::kNonNegative), "22003");
  EXPECT_SQLSTATE(ParseAmount(kTwoTo256, "amount", AmountRule::kPositive), "22003");
  EXPECT_SQLSTATE(ParseAmount(std::string(200, '9'), "amount", AmountRule::kPositive), "22003");
}

TEST(Amount, NotAWholeNumberIs22023AndNamesTheArgument) {
  for (const char* bad : {"1.5", "0.000000000000000001", "NaN", "Infinity", "-Infinity", "", "1e18", "0x10",
                          " 1", "1 ", "--1", "."}) {
    const std::string msg = EXPECT_SQLSTATE(ParseAmount(bad, "amount", AmountRule::kPositive), "22023");
    EXPECT_NE(msg.find("amount"), std::string::npos) << bad;
  }
}

TEST(Amount, ArithmeticIsCheckedNotWrapping) {
  txrelay::Uint256 max = ParseAmount(kMax, "a", AmountRule::kPositive);
  EXPECT_THROW(max += 1, std::overflow_error);
  txrelay::Uint256 zero = 0;
  EXPECT_THROW(zero -= 1, std::range_error);
}
