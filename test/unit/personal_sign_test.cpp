#include "core/eth/personal_sign.hpp"

#include "test_support.hpp"

using txrelay::FromHex;
using txrelay::ToHex;
using txrelay::eth::PersonalMessageDigest;
using txrelay::eth::RecoverPersonalSigner;

namespace {
// Made by cast 1.7.1: `cast wallet sign --private-key <anvil dev key 0> MESSAGE`, and the digest by
// `cast keccak 0x19 || "Ethereum Signed Message:\n32" || message` (cast hash-message reads 0x… as text).
const char* kDev0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const char* kHash11 = "0x1111111111111111111111111111111111111111111111111111111111111111";
const char* kSig11 =
    "0x0906e5a6b04b9e3c235a2b815a32c91cd224de22cfcb09c22770758a589c41eb5caff8173afab85ff05471466b6628b5c06f6f73018e3fadc6a4dcddfed073c01b";
const char* kSigHello =
    "0xf16ea9a3478698f695fd1401bfe27e9e4a7e8e3da94aa72b021125e31fa899cc573c48ea3fe1d4ab61a9db10c19032026e3ed2dbccba5a178235ac27f94504311c";
}  // namespace

TEST(PersonalSign, DigestIsEip191AsCastComputesIt) {
  const auto digest = PersonalMessageDigest(*FromHex(kHash11));
  EXPECT_EQ(ToHex(digest.data(), digest.size()),
            "0x245a48de257ae28de2b11cb8fc02361fe87a20566dc63bec4492c3854b1aae52");
}

TEST(PersonalSign, RecoversTheSignerOfACheckpointHashAndOfText) {
  auto r = RecoverPersonalSigner(*FromHex(kHash11), *FromHex(kSig11));
  ASSERT_TRUE(r.address.has_value()) << r.problem;
  EXPECT_EQ(r.address->Checksummed(), kDev0);
  const std::string hello = "hello";
  r = RecoverPersonalSigner(txrelay::Bytes(hello.begin(), hello.end()), *FromHex(kSigHello));
  ASSERT_TRUE(r.address.has_value()) << r.problem;
  EXPECT_EQ(r.address->Checksummed(), kDev0);
}

TEST(PersonalSign, AnotherMessageRecoversAnotherAddressAndBadSignaturesAreRefused) {
  auto other = *FromHex(kHash11);
  other[0] ^= 1;  // a rewritten checkpoint hash
  const auto r = RecoverPersonalSigner(other, *FromHex(kSig11));
  EXPECT_TRUE(!r.address || r.address->Checksummed() != kDev0);
  auto sig = *FromHex(kSig11);
  EXPECT_FALSE(RecoverPersonalSigner(*FromHex(kHash11), txrelay::Bytes(sig.begin(), sig.end() - 1)).address);
  sig[64] = 29;
  EXPECT_EQ(RecoverPersonalSigner(*FromHex(kHash11), sig).problem, "v must be 27 or 28");
  sig = *FromHex(kSig11);
  for (int i = 32; i < 64; ++i) sig[i] = 0xff;  // s out of range
  EXPECT_FALSE(RecoverPersonalSigner(*FromHex(kHash11), sig).address);
}
