// The withdrawal an API function decides on: locked by the id its caller gave, or 22023 naming
// the argument when there is no such withdrawal.
#pragma once

#include <string>

#include "store/withdrawals.hpp"
#include "pg/datum.hpp"

namespace txrelay::api {

store::WithdrawalRow LockWithdrawal(const std::string& withdrawal_id, const char* arg);
// 22023 naming the argument: no withdrawal the caller may see has this id (another application's
// is answered the same way, so nothing about it leaks).
[[noreturn]] void RefuseUnknownWithdrawal(const std::string& withdrawal_id, const char* arg);
store::WithdrawalRow LockWithdrawal(Datum uuid, const char* arg);

}  // namespace txrelay::api
