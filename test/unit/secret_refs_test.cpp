#include "core/secret_refs.hpp"

#include "test_support.hpp"

using txrelay::ExpandSecretRefs;
using txrelay::ParseSecretsFile;
using txrelay::SecretNamesIn;

TEST(SecretRefs, FindsTheNamesAUrlRefersTo) {
  EXPECT_EQ(SecretNamesIn("https://${U}:${P}@h/v3/${KEY_1}", "url"),
            (std::vector<std::string>{"U", "P", "KEY_1"}));
  EXPECT_TRUE(SecretNamesIn("https://h/v3/plain$dollar{", "url").empty());
  EXPECT_SQLSTATE(SecretNamesIn("https://h/${" + std::string(64, 'K') + "}", "url"), "22023");
}

TEST(SecretRefs, ParsesTheFileAndNeverRepeatsAValueInAnError) {
  const auto values = ParseSecretsFile("# keys\nINFURA_KEY=0123abcd\r\n\nPASS=p%40ss!\n");
  EXPECT_EQ(values.size(), 2u);
  EXPECT_EQ(values.at("PASS"), "p%40ss!");
  for (const char* bad :
       {"NOEQUALS\n", "1BAD=x\n", "EMPTY=\n", "SPACE=has space\n", "A=1\nA=2\n", "=x\n", "TAB=a\tb\n"}) {
    SCOPED_TRACE(bad);
    const std::string msg = EXPECT_SQLSTATE(ParseSecretsFile(bad), "F0000");
    EXPECT_EQ(msg.find("has space"), std::string::npos);
    EXPECT_NE(msg.find("line"), std::string::npos);
  }
  EXPECT_SQLSTATE(ParseSecretsFile(std::string(64 * 1024 + 1, '#')), "F0000");
}

TEST(SecretRefs, ExpandsEveryReferenceOrNamesTheMissingOne) {
  const auto values = ParseSecretsFile("K=abc123\nP=pw\n");
  EXPECT_EQ(ExpandSecretRefs("https://u:${P}@h/v3/${K}?x=${K}", values), "https://u:pw@h/v3/abc123?x=abc123");
  EXPECT_EQ(ExpandSecretRefs("http://127.0.0.1:8545", values), "http://127.0.0.1:8545");
  const std::string msg = EXPECT_SQLSTATE(ExpandSecretRefs("https://h/${MISSING}", values), "F0000");
  EXPECT_NE(msg.find("MISSING"), std::string::npos);
}
