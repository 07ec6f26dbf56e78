#include "core/endpoint_url.hpp"

#include "test_support.hpp"

using txrelay::CheckEndpointUrl;
using txrelay::RedactUrl;

TEST(EndpointUrl, AcceptsHttpAndHttps) {
  EXPECT_NO_THROW(CheckEndpointUrl("http://127.0.0.1:8545", "url"));
  EXPECT_NO_THROW(CheckEndpointUrl("https://mainnet.infura.io/v3/0123456789abcdef", "url"));
  EXPECT_NO_THROW(CheckEndpointUrl("https://user:pw@rpc.example.com/path?key=1", "url"));
}

TEST(EndpointUrl, RefusesOtherSchemesMissingHostsAndSpaces) {
  for (const char* bad : {"", "127.0.0.1:8545", "ws://127.0.0.1:8546", "ftp://x", "http://", "http://:8545",
                          "http://host name", "http://host\n", "https//missing-colon"}) {
    {
      SCOPED_TRACE(bad);
      EXPECT_SQLSTATE(CheckEndpointUrl(bad, "url"), "22023");
    }
  }
  EXPECT_SQLSTATE(CheckEndpointUrl("http://h/" + std::string(3000, 'a'), "url"), "22023");
}

TEST(EndpointUrl, ErrorsNeverRepeatTheUrl) {
  const std::string secret = "http://host name/SECRETKEY0123456789";
  const std::string msg = EXPECT_SQLSTATE(CheckEndpointUrl(secret, "url"), "22023");
  EXPECT_EQ(msg.find("SECRETKEY"), std::string::npos);
}

TEST(EndpointUrl, RedactsEveryPlaceASecretHides) {
  EXPECT_EQ(RedactUrl("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:8545/"), "http://127.0.0.1:8545/");
  EXPECT_EQ(RedactUrl("https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161"),
            "https://mainnet.infura.io/v3/***");
  EXPECT_EQ(RedactUrl("https://eth-mainnet.g.alchemy.com/v2/docs-demo-key-abcdefgh"),
            "https://eth-mainnet.g.alchemy.com/v2/***");
  EXPECT_EQ(RedactUrl("https://alice:s3cret@rpc.example.com:8443/rpc"),
            "https://***@rpc.example.com:8443/rpc");
  EXPECT_EQ(RedactUrl("https://rpc.example.com/rpc?apikey=abc&chain=1"),
            "https://rpc.example.com/rpc?apikey=***&chain=***");
  EXPECT_EQ(RedactUrl("https://rpc.example.com/?0123456789abcdefXYZ"), "https://rpc.example.com/?***");
  EXPECT_EQ(RedactUrl("https://rpc.example.com/x#token=abc"), "https://rpc.example.com/x");
  EXPECT_EQ(RedactUrl("not a url"), "***");
}
