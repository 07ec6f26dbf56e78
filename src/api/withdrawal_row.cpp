#include "core/error.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/spi.hpp"

namespace txrelay::api {

WithdrawalRow LockWithdrawal(Datum id, const char* arg) {
  static const pg::Statement kLock(
      "SELECT withdrawal_id::text, idempotency_key, account, chain_id, asset, to_address, "
      "amount::text, risk_tier, status FROM txrelay.withdrawals WHERE withdrawal_id = $1 FOR UPDATE",
      {UUIDOID});
  const auto rows = kLock.Run({pg::DatumParam(UUIDOID, id)});
  if (rows.empty()) {
    throw InvalidArgument(arg, "does not name a withdrawal", "No withdrawal " + pg::TextOfUuid(id) + ".");
  }
  const auto r = rows.front();
  return WithdrawalRow{id,        r.Text(0), r.Text(1), r.Text(2), r.Int64(3),
                       r.Text(4), r.Text(5), r.Text(6), r.Text(7), r.Text(8)};
}

void SetWithdrawalStatus(const WithdrawalRow& w, const char* status, const std::string& reason) {
  static const pg::Statement kSet(
      "UPDATE txrelay.withdrawals SET status = $2, status_reason = $3 WHERE withdrawal_id = $1",
      {UUIDOID, TEXTOID, TEXTOID});
  kSet.Run({pg::DatumParam(UUIDOID, w.id), pg::TextParam(status), pg::TextParam(reason)});
}

void AddWithdrawalNote(const std::string& withdrawal_id, const char* event, const std::string& reason,
                       const std::string& detail_json) {
  static const pg::Statement kNote("SELECT txrelay._add_note($1::uuid, $2, $3, $4::jsonb)",
                                   {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  kNote.Run({pg::TextParam(withdrawal_id), pg::TextParam(event), pg::TextParam(reason),
             pg::TextParam(detail_json)});
}

Datum ReturnWithdrawal(Datum id) {
  static const pg::Statement kRow("SELECT w FROM txrelay.withdrawals w WHERE w.withdrawal_id = $1",
                                  {UUIDOID});
  return kRow.Run({pg::DatumParam(UUIDOID, id)}).front().TransferValue(0);
}

void PostWithdrawalEntry(const WithdrawalRow& w, const char* kind) {
  static const pg::Statement kPost(
      "INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id) "
      "VALUES ($1, $2, $3, $4, $5::numeric, $6)",
      {TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, UUIDOID});
  kPost.Run({pg::TextParam(kind), pg::TextParam(w.account), pg::Int8Param(w.chain_id), pg::TextParam(w.asset),
             pg::TextParam(w.amount), pg::DatumParam(UUIDOID, w.id)});
}

}  // namespace txrelay::api
