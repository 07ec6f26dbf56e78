#include "core/log_ids.hpp"

#include "test_support.hpp"

TEST(LogIds, AllFiveInOrderWithDashesForUnknown) {
  txrelay::LogIds ids;
  ids.withdrawal_id = "8b8b1cac-0000-4000-8000-000000000001";
  ids.nonce_key = "31337:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266:7";
  EXPECT_EQ(txrelay::FormatLogIds(ids),
            "[withdrawal_id=8b8b1cac-0000-4000-8000-000000000001 idempotency_key=- "
            "nonce_key=31337:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266:7 attempt_id=- tx_hash=-]");
  EXPECT_EQ(txrelay::FormatLogIds({}),
            "[withdrawal_id=- idempotency_key=- nonce_key=- attempt_id=- tx_hash=-]");
}
