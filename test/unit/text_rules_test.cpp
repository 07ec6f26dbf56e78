#include "core/text_rules.hpp"

#include "core/completion.hpp"
#include "test_support.hpp"

using txrelay::CheckIdentifier;
using txrelay::CheckName;

TEST(TextRules, IdentifierAcceptsOrdinaryKeysUnchanged) {
  EXPECT_EQ(CheckIdentifier("order-42/withdraw", "idempotency_key"), "order-42/withdraw");
  EXPECT_EQ(CheckIdentifier(" padded ", "idempotency_key"), " padded ");
  EXPECT_EQ(CheckIdentifier(std::string(255, 'k'), "idempotency_key"), std::string(255, 'k'));
  // 255 characters of two bytes each are still 255 characters.
  std::string accents;
  for (int i = 0; i < 255; ++i) accents += "\xc3\xa9";
  EXPECT_NO_THROW(CheckIdentifier(accents, "idempotency_key"));
}

TEST(TextRules, IdentifierRefusesEmptyBlankLongAndControlCharacters) {
  for (const std::string& bad :
       {std::string(""), std::string("   "), std::string("\t\n"), std::string(256, 'k'), std::string("a\nb"),
        std::string("a\x1b[31m"), std::string("del\x7f")}) {
    const std::string msg = EXPECT_SQLSTATE(CheckIdentifier(bad, "idempotency_key"), "22023");
    EXPECT_EQ(msg.rfind("idempotency_key", 0), 0u) << msg;
  }
}

TEST(TextRules, NamesAndTiers) {
  EXPECT_EQ(CheckName("USDC.e", "symbol", 16, false), "USDC.e");
  EXPECT_EQ(CheckName("high-value", "tier", 63, true), "high-value");
  EXPECT_SQLSTATE(CheckName("High", "tier", 63, true), "22023");
  EXPECT_SQLSTATE(CheckName("-x", "tier", 63, true), "22023");
  EXPECT_SQLSTATE(CheckName("a b", "symbol", 16, false), "22023");
  EXPECT_SQLSTATE(CheckName(std::string(17, 'A'), "symbol", 16, false), "22023");
  EXPECT_SQLSTATE(CheckName("", "symbol", 16, false), "22023");
}

TEST(TextRules, FreeTextAndRanges) {
  EXPECT_EQ(txrelay::CheckFreeText("customer asked\nto stop", "reason"), "customer asked\nto stop");
  EXPECT_SQLSTATE(txrelay::CheckFreeText(" ", "reason"), "22023");
  EXPECT_SQLSTATE(txrelay::CheckFreeText(std::string(2001, 'r'), "reason"), "22023");
  EXPECT_EQ(txrelay::CheckRange(18, "decimals", 0, 77), 18);
  EXPECT_SQLSTATE(txrelay::CheckRange(78, "decimals", 0, 77), "22023");
  EXPECT_SQLSTATE(txrelay::CheckRange(-1, "decimals", 0, 77), "22023");
}

TEST(Completion, ParsesTheThreeLevels) {
  EXPECT_EQ(txrelay::ParseCompletion("safe", "completion").Text(), "safe");
  EXPECT_EQ(txrelay::ParseCompletion("finalized", "completion").Text(), "finalized");
  const auto c = txrelay::ParseCompletion("included:12", "completion");
  EXPECT_EQ(c.level, txrelay::Completion::Level::kIncluded);
  EXPECT_EQ(c.confirmations, 12);
  EXPECT_EQ(c.Text(), "included:12");
  EXPECT_EQ(txrelay::ParseCompletion("included:0", "completion").confirmations, 0);
  EXPECT_EQ(txrelay::ParseCompletion("included:10000", "completion").confirmations, 10000);
}

TEST(Completion, RefusesEverythingElse) {
  for (const char* bad : {"", "included", "included:", "included:-1", "included:01", "included:10001",
                          "included:1x", "Safe", "final", "safe ", "included:99999999999"}) {
    {
      SCOPED_TRACE(bad);
      EXPECT_SQLSTATE(txrelay::ParseCompletion(bad, "completion"), "22023");
    }
  }
}
