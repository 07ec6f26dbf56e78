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

// The shapes providers give their keys in (issue 18): none of the key may survive.
TEST(EndpointUrl, RedactsProviderKeyShapes) {
  const struct {
    const char* url;
    const char* redacted;
  } kShapes[] = {
      {"https://eth-mainnet.g.alchemy.com/v2/k3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3",
       "https://eth-mainnet.g.alchemy.com/v2/***"},
      {"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/v3/***"},
      {"https://frosty-snowy-meadow.quiknode.pro/a1b2c3d4e5f6a7b8c9d0/",
       "https://frosty-snowy-meadow.quiknode.pro/***/"},
      {"https://node.custom-host.net/tok3nAB12/rpc", "https://node.custom-host.net/***/rpc"},
      {"https://k3yab12cd34.rpc.example.com/", "https://***.rpc.example.com/"},
      {"https://abcdefghijklmnopqrstuvwxyz.eth.example.com", "https://***.eth.example.com"},
      {"https://rpc.example.com/eth;apikey=s3cr3tvalue;v=2", "https://rpc.example.com/eth;apikey=***;v=***"},
      {"https://rpc.example.com/eth;s3cr3t", "https://rpc.example.com/eth;***"},
      {"https://rpc.example.com/?shorttk", "https://rpc.example.com/?***"},
      {"https://rpc.example.com/?k=1&bare", "https://rpc.example.com/?k=***&***"},
      {"https://u:p@arbitrum-mainnet.example.com:8443/v1/mainnet",
       "https://***@arbitrum-mainnet.example.com:8443/v1/mainnet"},
      {"http://[fe80::1]:8545/rpc", "http://[fe80::1]:8545/rpc"},
  };
  for (const auto& shape : kShapes) {
    SCOPED_TRACE(shape.url);
    EXPECT_EQ(RedactUrl(shape.url), shape.redacted);
  }
}

TEST(EndpointUrl, KeepsSecretReferencesVisible) {
  EXPECT_EQ(RedactUrl("https://${RPC_USER}:x@rpc.example.com/v3/${INFURA_KEY_MAINNET_01}?key=${K}&${T}"),
            "https://***@rpc.example.com/v3/${INFURA_KEY_MAINNET_01}?key=${K}&${T}");
  EXPECT_NO_THROW(CheckEndpointUrl("https://rpc.example.com/v3/${KEY}", "url"));
  for (const char* bad : {"https://h/${}", "https://h/${KEY", "https://h/${1KEY}", "https://h/${K-Y}"}) {
    SCOPED_TRACE(bad);
    EXPECT_SQLSTATE(CheckEndpointUrl(bad, "url"), "22023");
  }
}

TEST(EndpointUrl, RefusesLinkLocalAndMetadataHostsUnlessAllowed) {
  for (const char* bad :
       {"http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://0xa9fea9fe/",
        "http://169.254.1.1:8545", "http://0251.0376.0251.0376/", "http://[fe80::1]:8545",
        "http://[FE80::1%25eth0]/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.google.internal./",
        "http://user:pw@169.254.169.254:80/"}) {
    SCOPED_TRACE(bad);
    EXPECT_SQLSTATE(CheckEndpointUrl(bad, "url"), "22023");
    EXPECT_NO_THROW(CheckEndpointUrl(bad, "url", /*allow_link_local=*/true));
  }
  for (const char* good :
       {"http://127.0.0.1:8545", "http://[::1]:8545", "http://localhost:8545", "http://10.0.0.5/",
        "http://169.255.0.1/", "http://[fec0::1]/", "https://rpc.example.com/"}) {
    SCOPED_TRACE(good);
    EXPECT_NO_THROW(CheckEndpointUrl(good, "url"));
  }
}

TEST(EndpointUrl, RefusesNonAsciiUrls) {
  for (const char* bad : {"http://127.0.0.1:8545/\u202e", "https://r\u0440c.example.com/", "http://h/\xff"}) {
    SCOPED_TRACE(bad);
    EXPECT_SQLSTATE(CheckEndpointUrl(bad, "url"), "22023");
  }
}
