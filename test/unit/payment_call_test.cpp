#include "core/payment_call.hpp"

#include "test_support.hpp"

using txrelay::PaysRecipient;

namespace {
const char* kSender = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const char* kRecipient = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
}  // namespace

TEST(PaymentCall, OnlyAZeroValueSelfTransferWithoutDataIsNoPayment) {
  EXPECT_FALSE(PaysRecipient(kSender, kSender, "0", 0));       // a gap filler, or its fee bump
  EXPECT_TRUE(PaysRecipient(kRecipient, kSender, "1000", 0));  // a native payment
  EXPECT_TRUE(PaysRecipient(kRecipient, kSender, "0", 68));    // an ERC-20 transfer call
  EXPECT_TRUE(PaysRecipient(kSender, kSender, "1", 0));        // value to itself: still value moved
  EXPECT_TRUE(PaysRecipient(kSender, kSender, "0", 4));        // a call on itself with data
  EXPECT_TRUE(PaysRecipient(kRecipient, kSender, "0", 0));     // zero to someone else: not a filler
}
