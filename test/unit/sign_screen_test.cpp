// The sign stage against the chain's unknown transactions (core/sign_screen, issue 20): an exact
// payment at its own nonce is adopted; anything else at that nonce quarantines; the same payment
// at another sender or nonce holds (it may be paid already); any other open one of the sender holds.
#include <gtest/gtest.h>

#include "core/sign_screen.hpp"

using namespace txrelay;

namespace {

constexpr const char* kHot = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kOther = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
constexpr const char* kAlice = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
constexpr const char* kBob = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";

ChainUnknownTx Unknown(const char* from, std::uint64_t nonce, const char* to, std::uint64_t value,
                       const char* data = "0x") {
  return {from, nonce, "0x" + std::string(64, static_cast<char>('a' + nonce % 6)), {to, value, data}};
}

SignJobFacts Payment(const char* from, std::uint64_t nonce, const char* to, std::uint64_t value,
                     const char* data = "0x") {
  return {from, nonce, true, {to, value, data}};
}

}  // namespace

TEST(SignScreen, AdoptsOnlyTheExactPaymentAtItsOwnNonce) {
  const std::vector<ChainUnknownTx> open{Unknown(kHot, 5, kAlice, 1002), Unknown(kHot, 6, kAlice, 1003)};
  const auto v = ScreenBeforeSigning(Payment(kHot, 5, kAlice, 1002), open);
  EXPECT_EQ(v.action, ScreenAction::kAdopt);
  EXPECT_EQ(v.tx, &open[0]);
  // The recipient's address in another case is the same recipient.
  const std::string lower = "0x976ea74026e726554db657fa54763abd0c3a0aa9";
  EXPECT_EQ(ScreenBeforeSigning(Payment(kHot, 6, lower.c_str(), 1003), open).action, ScreenAction::kAdopt);
}

TEST(SignScreen, QuarantinesAnythingElseAtAUsedNonce) {
  const std::vector<ChainUnknownTx> open{Unknown(kHot, 5, kAlice, 1002, "0xa9059cbb")};
  for (const auto& job :
       {Payment(kHot, 5, kAlice, 1003, "0xa9059cbb"), Payment(kHot, 5, kBob, 1002, "0xa9059cbb"),
        Payment(kHot, 5, kAlice, 1002, "0xa9059cbc"), Payment(kHot, 5, kAlice, 1002)}) {
    const auto v = ScreenBeforeSigning(job, open);
    EXPECT_EQ(v.action, ScreenAction::kQuarantine) << job.asked.to << " " << job.asked.data;
    EXPECT_NE(v.why.find("another call"), std::string::npos);
  }
  SignJobFacts gap_filler = Payment(kHot, 5, kAlice, 1002, "0xa9059cbb");
  gap_filler.payment = false;  // even with the same call: only a payment is adopted
  EXPECT_EQ(ScreenBeforeSigning(gap_filler, open).action, ScreenAction::kQuarantine);
}

TEST(SignScreen, HoldsAPaymentTheChainMadeFromAnotherNonceOrSender) {
  const std::vector<ChainUnknownTx> open{Unknown(kHot, 5, kAlice, 1002)};
  // The retry landed at another sender, or at a later nonce of the same one: paying it would pay twice.
  for (const auto& job : {Payment(kOther, 9, kAlice, 1002), Payment(kHot, 6, kAlice, 1002)}) {
    const auto v = ScreenBeforeSigning(job, open);
    EXPECT_EQ(v.action, ScreenAction::kHold);
    EXPECT_NE(v.why.find("may be paid already"), std::string::npos);
    EXPECT_EQ(v.tx, &open[0]);
  }
  // Another sender's other payment is no business of this one.
  EXPECT_EQ(ScreenBeforeSigning(Payment(kOther, 9, kBob, 7), open).action, ScreenAction::kSign);
}

TEST(SignScreen, HoldsEverythingNewOfASenderWithOpenUnknownTransactions) {
  const std::vector<ChainUnknownTx> open{Unknown(kHot, 5, kAlice, 1002), Unknown(kHot, 6, kAlice, 1003)};
  const auto v = ScreenBeforeSigning(Payment(kHot, 7, kBob, 1), open);
  EXPECT_EQ(v.action, ScreenAction::kHold);
  EXPECT_NE(v.why.find("nonce(s) 5, 6"), std::string::npos);
  SignJobFacts bump = Payment(kHot, 3, kBob, 1);
  bump.payment = false;
  EXPECT_EQ(ScreenBeforeSigning(bump, open).action, ScreenAction::kHold);
  EXPECT_EQ(ScreenBeforeSigning(Payment(kHot, 7, kBob, 1), {}).action, ScreenAction::kSign);
}
