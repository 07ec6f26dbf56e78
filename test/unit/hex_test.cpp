#include "core/hex.hpp"

#include "core/canonical.hpp"
#include "test_support.hpp"

TEST(Hex, RoundTripAndStrictness) {
  const txrelay::Bytes b{0x00, 0xab, 0xff};
  EXPECT_EQ(txrelay::ToHex(b), "0x00abff");
  EXPECT_EQ(txrelay::ToHex(b, false), "00abff");
  EXPECT_EQ(txrelay::FromHex("0x00ABff"), b);
  EXPECT_EQ(txrelay::FromHex("00abff"), b);
  EXPECT_EQ(txrelay::FromHex("0x"), txrelay::Bytes{});
  EXPECT_FALSE(txrelay::FromHex("0x0").has_value());
  EXPECT_FALSE(txrelay::FromHex("0xzz").has_value());
  EXPECT_FALSE(txrelay::FromHex("0x 0").has_value());
}

TEST(Canonical, TagsLengthsAndDomainsSeparateEncodings) {
  using txrelay::CanonicalEncoder;
  EXPECT_NE(CanonicalEncoder("d").Text("ab").Text("c").Hash(),
            CanonicalEncoder("d").Text("a").Text("bc").Hash());
  EXPECT_NE(CanonicalEncoder("d").Text("").Hash(), CanonicalEncoder("d").OptionalText(std::nullopt).Hash());
  EXPECT_NE(CanonicalEncoder("d1").Text("x").Hash(), CanonicalEncoder("d2").Text("x").Hash());
  EXPECT_NE(CanonicalEncoder("d").Int(1).Hash(), CanonicalEncoder("d").Text("1").Hash());
  EXPECT_EQ(CanonicalEncoder("d").Int(-1).bytes().size(), 1 + 4 + 1 + 1 + 4 + 8u);
}
