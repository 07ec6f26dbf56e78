#include "bgworker/log_ids.hpp"

#include "pg/postgres.hpp"
#include "pg/spi.hpp"

namespace txrelay::bgworker {

std::string WithdrawalLogIds(const std::string& withdrawal_id, const std::string& attempt_id,
                             const std::string& tx_hash) {
  static const pg::Statement kKeys(R"sql(
    SELECT w.idempotency_key, n.nonce_key FROM txrelay.withdrawals w
      LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
     WHERE w.withdrawal_id = $1::uuid)sql",
                                   {TEXTOID});
  LogIds ids{withdrawal_id, "", "", attempt_id, tx_hash};
  const auto rows = kKeys.Run({pg::TextParam(withdrawal_id)});
  if (!rows.empty()) {
    ids.idempotency_key = rows.front().OptionalText("idempotency_key").value_or("");
    ids.nonce_key = rows.front().OptionalText("nonce_key").value_or("");
  }
  return FormatLogIds(ids);
}

}  // namespace txrelay::bgworker
