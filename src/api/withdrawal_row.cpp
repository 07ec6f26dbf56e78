#include "api/withdrawal_row.hpp"

#include "core/error.hpp"
#include "pg/args.hpp"

namespace txrelay::api {

void RefuseUnknownWithdrawal(const std::string& withdrawal_id, const char* arg) {
  throw InvalidArgument(arg, "does not name a withdrawal", "No withdrawal " + withdrawal_id + ".");
}

store::WithdrawalRow LockWithdrawal(const std::string& withdrawal_id, const char* arg) {
  auto row = store::LockWithdrawal(withdrawal_id);
  // Another application's withdrawal is answered as one that does not exist: nothing about it leaks.
  if (!row || !store::CallerSees(withdrawal_id)) RefuseUnknownWithdrawal(withdrawal_id, arg);
  return std::move(*row);
}

store::WithdrawalRow LockWithdrawal(Datum uuid, const char* arg) {
  return LockWithdrawal(pg::TextOfUuid(uuid), arg);
}

}  // namespace txrelay::api
