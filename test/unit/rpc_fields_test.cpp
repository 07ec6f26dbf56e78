// How the answer parsers read fields and quote what they refuse: strict hex, shortened ASCII
// messages that name the field, and the "method: code message" of an error reply.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "core/rpc/fields.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/parsed.hpp"

using namespace txrelay;
using namespace txrelay::rpc;
using nlohmann::json;

namespace {

const std::string kHash = "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726";

// The error of reading `field` from {field: value}, which must be refused.
template <class Reader>
std::string RefusalOf(Reader read, const json& value) {
  const auto parsed = read(json{{"f", value}}, "f", "thing");
  EXPECT_FALSE(parsed.ok()) << value.dump();
  return parsed.error;
}

}  // namespace

TEST(RpcFields, Hash32IsLowerCased) {
  std::string upper = kHash;
  for (std::size_t i = 2; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  const auto parsed = ReadHash32(json{{"hash", upper}}, "hash", "block 3");
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(*parsed.value, kHash);
}

TEST(RpcFields, Hash32RefusesBadHex) {
  const auto read = [](const json& o, std::string_view f, std::string_view w) { return ReadHash32(o, f, w); };
  const std::string digits = kHash.substr(2);
  for (const json& bad : {json(digits),                             // no 0x
                          json("0X" + digits),                      // upper-case prefix
                          json(kHash.substr(0, 65)),                // odd length
                          json(kHash.substr(0, 64)),                // 31 bytes
                          json(kHash + "00"),                       // 33 bytes
                          json("0x" + std::string(63, 'a') + "g"),  // not hex
                          json(""), json(nullptr), json(42), json::array(), json::object()}) {
    EXPECT_EQ(RefusalOf(read, bad), "thing field \"f\" is not a 32-byte 0x-hex hash: " + DescribeValue(bad));
  }
}

TEST(RpcFields, MissingFieldIsNamed) {
  EXPECT_EQ(ReadHash32(json::object(), "parentHash", "block 3").error, "block 3 has no \"parentHash\" field");
  EXPECT_EQ(ReadQuantity64(json::object(), "number", "block header").error,
            "block header has no \"number\" field");
  EXPECT_EQ(ReadQuantity256(json::object(), "gasUsed", "receipt").error, "receipt has no \"gasUsed\" field");
}

TEST(RpcFields, QuantitiesAsHexQuantityReadsThem) {
  // HexQuantity takes leading zeros ("0x01" is 1) and either case of digits, but not "0X" or "0x".
  EXPECT_EQ(*ReadQuantity64(json{{"n", "0x01"}}, "n", "x").value, 1u);
  EXPECT_EQ(*ReadQuantity64(json{{"n", "0xFF"}}, "n", "x").value, 255u);
  EXPECT_EQ(*ReadQuantity64(json{{"n", "0xffffffffffffffff"}}, "n", "x").value, UINT64_MAX);
  EXPECT_EQ(*ReadQuantity256(json{{"n", "0x" + std::string(64, 'f')}}, "n", "x").value, ~Uint256(0));
  const auto read64 = [](const json& o, std::string_view f, std::string_view w) {
    return ReadQuantity64(o, f, w);
  };
  for (const json& bad : {json("0x"), json("0X1"), json("1a"), json("0x1g"), json("0x 1"), json(""), json(26),
                          json(nullptr), json("0x" + std::string(65, '0'))}) {
    EXPECT_EQ(RefusalOf(read64, bad),
              "thing field \"f\" is not a 0x-hex quantity of at most 64 digits: " + DescribeValue(bad));
  }
  EXPECT_EQ(RefusalOf(read64, "0x10000000000000000"),
            "thing field \"f\" is out of range (above 2^64-1): \"0x10000000000000000\"");
}

TEST(RpcFields, RequireObject) {
  EXPECT_FALSE(RequireObject(json::object(), "receipt"));
  EXPECT_EQ(RequireObject(nullptr, "receipt")->error, "receipt is not a JSON object: null");
  EXPECT_EQ(RequireObject(json::array({1, 2}), "receipt")->error, "receipt is not a JSON object: [1,2]");
  EXPECT_EQ(RequireObject("0x1", "block header")->error, "block header is not a JSON object: \"0x1\"");
}

TEST(RpcFields, SameHashIgnoresCaseOnly) {
  EXPECT_TRUE(SameHash("0xAbCd", "0xabcd"));
  EXPECT_FALSE(SameHash("0xabce", "0xabcd"));
  EXPECT_FALSE(SameHash("0xabcd", "0xabcd00"));
  EXPECT_FALSE(SameHash("", "0x"));
}

TEST(DescribeValue, ShortAsciiJson) {
  EXPECT_EQ(DescribeValue("0x1"), "\"0x1\"");
  EXPECT_EQ(DescribeValue(nullptr), "null");
  EXPECT_EQ(DescribeValue(json{{"a", {1, true, nullptr}}}), "{\"a\":[1,true,null]}");
  // Control characters and non-ASCII are escaped: a node cannot break a log line.
  EXPECT_EQ(DescribeValue("a\nb\u00e9"), "\"a\\nb\\u00e9\"");
}

TEST(DescribeValue, HugeValuesAreCut) {
  const std::string huge(1 << 20, 'a');
  EXPECT_EQ(DescribeValue(huge), "\"" + std::string(79, 'a') + "...");
  json array = json::array();
  for (int i = 0; i < 100000; ++i) array.push_back(i);
  EXPECT_EQ(DescribeValue(array).size(), 83u);
  EXPECT_EQ(DescribeValue(json{{huge, 1}}).substr(0, 5), "{\"aaa");
  EXPECT_EQ(DescribeValue(json{{huge, 1}}).size(), 83u);
}

TEST(DescribeValue, DeepNestingIsNotWalked) {
  json deep = 1;
  for (int i = 0; i < 100000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  EXPECT_EQ(DescribeValue(deep), std::string(80, '[') + "...");
}

TEST(DescribeValue, CutInsideACharacterStaysValid) {
  // A 2-byte character at the cut: the string is escaped, so no half character reaches the text.
  const std::string text = std::string(77, 'a') + "\u00e9\u00e9\u00e9";
  const std::string described = DescribeValue(text);
  EXPECT_EQ(described, "\"" + std::string(77, 'a') + "\\u...") << described;
}

TEST(ShortenText, CutsOnACharacterBoundary) {
  EXPECT_EQ(ShortenText("nonce too low", 300), "nonce too low");
  EXPECT_EQ(ShortenText(std::string(400, 'x'), 300), std::string(300, 'x') + "...");
  // "é" is 2 bytes: a cut at 3 would split the second one, so it falls before it.
  EXPECT_EQ(ShortenText("a\u00e9\u00e9", 4), "a\u00e9...");
  EXPECT_EQ(ShortenText("\u00e9\u00e9", 3), "\u00e9...");
  EXPECT_EQ(ShortenText("\u00e9", 1), "...");
}

TEST(DescribeErrorReply, MethodCodeMessage) {
  Reply reply;
  reply.is_error = true;
  reply.error_code = -32003;
  reply.error_message = "nonce too low";
  EXPECT_EQ(DescribeErrorReply("eth_sendRawTransaction", reply),
            "eth_sendRawTransaction: -32003 nonce too low");
  reply.error_message = std::string(100000, 'z');
  EXPECT_EQ(DescribeErrorReply("m", reply), "m: -32003 " + std::string(300, 'z') + "...");
}
