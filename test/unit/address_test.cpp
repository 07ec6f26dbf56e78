#include "core/address.hpp"

#include "core/keccak.hpp"
#include "test_support.hpp"

using txrelay::ParseAddress;
using txrelay::ToHex;

TEST(Keccak, MatchesEthereumNotSha3) {
  // Values printed by `cast keccak`; SHA3-256("") would be a7ffc6f8...
  EXPECT_EQ(ToHex(txrelay::Keccak256("").data(), 32),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(ToHex(txrelay::Keccak256("abc").data(), 32),
            "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Address, ChecksumVectorsFromEip55) {
  for (const char* good :
       {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    EXPECT_EQ(ParseAddress(good, "to_address").Checksummed(), good);
  }
}

TEST(Address, AnvilDevAccountsChecksumAsCastDoes) {
  // `cast to-check-sum-address 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266`
  EXPECT_EQ(ParseAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "a").Checksummed(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  EXPECT_EQ(ParseAddress("0x70997970C51812DC3A010C7D01B50E0D17DC79C8", "a").Checksummed(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
}

TEST(Address, SingleCaseHasNoChecksumAndIsAccepted) {
  EXPECT_NO_THROW(ParseAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "a"));
  EXPECT_NO_THROW(ParseAddress("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "a"));
  EXPECT_NO_THROW(ParseAddress("0x0000000000000000000000000000000000000000", "a"));
}

TEST(Address, WrongChecksumIsRefusedAndNamesTheArgument) {
  // One letter's case flipped from the valid 0x5aAeb6...
  const std::string msg =
      EXPECT_SQLSTATE(ParseAddress("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "to_address"), "22023");
  EXPECT_NE(msg.find("to_address"), std::string::npos);
  EXPECT_NE(msg.find("checksum"), std::string::npos);
}

TEST(Address, MalformedIsRefused) {
  for (const char* bad :
       {"", "0x", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}) {
    {
      SCOPED_TRACE(bad);
      EXPECT_SQLSTATE(ParseAddress(bad, "to_address"), "22023");
    }
  }
}
