// The withdrawal an API function decides on: locked by the id its caller gave, or 22023 naming
// the argument when there is no such withdrawal.
#pragma once

#include <string>

#include "store/withdrawals.hpp"
#include "pg/datum.hpp"

namespace txrelay::api {

store::WithdrawalRow LockWithdrawal(const std::string& withdrawal_id, const char* arg);
store::WithdrawalRow LockWithdrawal(Datum uuid, const char* arg);

}  // namespace txrelay::api
