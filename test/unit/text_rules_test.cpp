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

TEST(TextRules, IdentifierRefusesC1InvisibleAndBidiCharactersNamingThem) {
  const std::pair<std::string, std::string> cases[] = {
      {"a\xc2\x85"
       "b",
       "U+0085"},  // NEXT LINE, a C1 control
      {"a\xc2\x9b"
       "31m",
       "U+009B"},  // CSI, a C1 control
      {"pay\xe2\x80\x8b"
       "out",
       "U+200B"},  // zero-width space
      {"key\xe2\x80\xae"
       "cba",
       "U+202E"},                      // right-to-left override
      {"key\xe2\x81\xa6x", "U+2066"},  // left-to-right isolate
      {"\xef\xbb\xbf"
       "key",
       "U+FEFF"},  // byte order mark
      {"soft\xc2\xad"
       "hyphen",
       "U+00AD"},                          // soft hyphen (Cf)
      {"tag\xf3\xa0\x80\x81", "U+E0001"},  // language tag (Cf, 4 bytes)
      {"line\xe2\x80\xa8"
       "sep",
       "U+2028"},  // line separator
  };
  for (const auto& [bad, name] : cases) {
    const std::string msg = EXPECT_SQLSTATE(CheckIdentifier(bad, "reference"), "22023");
    EXPECT_EQ(msg.rfind("reference", 0), 0u) << msg;
    EXPECT_NE(msg.find(name), std::string::npos) << msg;
  }
  // Visible non-ASCII is fine: accents, CJK, emoji, right-to-left letters themselves.
  for (const std::string& good :
       {std::string("caf\xc3\xa9"), std::string("\xe6\x8f\x90\xe7\x8e\xb0"), std::string("\xf0\x9f\x92\xb8"),
        std::string("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d")}) {
    EXPECT_NO_THROW(CheckIdentifier(good, "reference")) << good;
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

TEST(TextRules, ArgumentSizeIsJudgedBeforeContent) {
  EXPECT_NO_THROW(txrelay::CheckArgumentBytes(8192, "asset", 8192));
  const std::string msg = EXPECT_SQLSTATE(txrelay::CheckArgumentBytes(8193, "asset", 8192), "22023");
  EXPECT_EQ(msg, "asset is too long");
}

TEST(TextRules, JsonObjectTextIsAnObjectOnly) {
  EXPECT_NO_THROW(txrelay::CheckJsonObjectText("{}", "metadata"));
  EXPECT_NO_THROW(txrelay::CheckJsonObjectText(R"({"ticket": 7})", "metadata"));
  // jsonb's text of a string holding braces, an array, a scalar, null, nothing: not objects.
  for (const char* bad : {R"("{}")", "[{}]", "7", "null", "", " {}"}) {
    const std::string msg = EXPECT_SQLSTATE(txrelay::CheckJsonObjectText(bad, "metadata"), "22023");
    EXPECT_EQ(msg, "metadata must be a JSON object") << bad;
  }
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

TEST(Quote, CutsLongValuesAtACharacterBoundary) {
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";  // 200 bytes, 100 characters
  const std::string quoted = txrelay::Quote(accents);
  const std::string inner = quoted.substr(1, quoted.size() - 5);  // without the quotes and "..."
  EXPECT_EQ(inner.size() % 2, 0u) << "a two-byte character was cut in half";
  EXPECT_EQ(quoted.substr(quoted.size() - 4), "...\"");
  EXPECT_EQ(txrelay::Quote("short"), "\"short\"");
}
