#include "core/log_ids.hpp"

namespace txrelay {

namespace {
const std::string& OrDash(const std::string& value) {
  static const std::string kDash = "-";
  return value.empty() ? kDash : value;
}
}  // namespace

std::string FormatLogIds(const LogIds& ids) {
  return "[withdrawal_id=" + OrDash(ids.withdrawal_id) + " idempotency_key=" + OrDash(ids.idempotency_key) +
         " nonce_key=" + OrDash(ids.nonce_key) + " attempt_id=" + OrDash(ids.attempt_id) +
         " tx_hash=" + OrDash(ids.tx_hash) + "]";
}

}  // namespace txrelay
