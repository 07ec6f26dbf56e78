// A withdrawal as the API functions work on it: read and locked by id, moved along the state
// machine, returned to the caller as a txrelay.withdrawals row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/postgres.hpp"

namespace txrelay::api {

struct WithdrawalRow {
  Datum id;  // uuid, valid for the current SQL call
  std::string id_text;
  std::string idempotency_key;
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string to_address;
  std::string amount;
  std::string risk_tier;
  std::string status;
};

// SELECT ... FOR UPDATE: concurrent decisions on one withdrawal serialise here.
// Error 22023 naming `arg` if there is no such withdrawal.
WithdrawalRow LockWithdrawal(Datum id, const char* arg);

// Moves the withdrawal to `status` with the reason recorded in its event row. The state-machine
// trigger refuses a transition that is not in the table (TR003).
void SetWithdrawalStatus(const WithdrawalRow& w, const char* status, const std::string& reason);

// Appends a note (not a transition) to the withdrawal's events, e.g. a requeue.
void AddWithdrawalNote(const std::string& withdrawal_id, const char* event, const std::string& reason,
                       const std::string& detail_json);

// The withdrawal's current row, copied out of SPI memory, to return from an API function.
Datum ReturnWithdrawal(Datum id);

// Posts a RESERVE, COMMIT or RELEASE of the withdrawal's amount to its account.
void PostWithdrawalEntry(const WithdrawalRow& w, const char* kind);

}  // namespace txrelay::api
