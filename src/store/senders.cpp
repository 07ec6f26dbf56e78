#include "core/error.hpp"
#include "store/senders.hpp"

#include "pg/spi.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::store {

namespace {

#define TXRELAY_PICK_SENDER_SQL                                            \
  "SELECT address, signer, next_nonce FROM txrelay.senders "               \
  " WHERE chain_id = $1 AND status = 'active' AND next_nonce IS NOT NULL " \
  " ORDER BY last_reserved_at NULLS FIRST, address LIMIT 1 FOR UPDATE"

LockedSender FromRow(const pg::Row& row) {
  return LockedSender{row.Text("address"), row.OptionalText("signer"), row.Int64("next_nonce")};
}

}  // namespace

SenderPick PickSender(std::int64_t chain_id, int max_wait_ms) {
  static const pg::Statement kPickFree(TXRELAY_PICK_SENDER_SQL " SKIP LOCKED", {INT8OID});
  static const pg::Statement kPickAny(TXRELAY_PICK_SENDER_SQL, {INT8OID});
  // lock_timeout for this one statement: set inside the subtransaction, put back before it ends.
  static const pg::Statement kWaitAtMost(
      "SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', $1, true)", {TEXTOID});
  static const pg::Statement kRestore("SELECT set_config('lock_timeout', $1, true)", {TEXTOID});
  const auto free = kPickFree.Run({pg::Int8Param(chain_id)});
  if (!free.empty()) return SenderPick{FromRow(free.front()), false};
  SenderPick pick;
  const auto error = pg::RunInSubTransaction([&] {
    const std::string previous =
        kWaitAtMost.Run({pg::TextParam(std::to_string(max_wait_ms) + "ms")}).front().Text("previous");
    const auto any = kPickAny.Run({pg::Int8Param(chain_id)});
    if (!any.empty()) pick.sender = FromRow(any.front());
    kRestore.Run({pg::TextParam(previous)});
  });
  if (error && error->sqlerrcode != MAKE_SQLSTATE('5', '5', 'P', '0', '3')) {
    throw Error(unpack_sql_state(error->sqlerrcode), error->message);  // not a lock wait: as it was
  }
  pick.busy = error.has_value();
  return pick;
}

SenderCensus CountSenders(std::int64_t chain_id) {
  static const pg::Statement kCensus(R"sql(
    SELECT count(*) AS total, count(*) FILTER (WHERE status = 'paused') AS paused,
           count(*) FILTER (WHERE status = 'quarantined') AS quarantined,
           count(*) FILTER (WHERE status = 'active' AND next_nonce IS NULL) AS nonce_unknown
      FROM txrelay.senders WHERE chain_id = $1)sql",
                                     {INT8OID});
  const auto r = kCensus.Run({pg::Int8Param(chain_id)}).front();
  return SenderCensus{r.Int64("total"), r.Int64("paused"), r.Int64("quarantined"), r.Int64("nonce_unknown")};
}

std::int64_t ReserveNonces(std::int64_t chain_id, const std::string& address,
                           const std::vector<std::string>& withdrawal_ids) {
  static const pg::Statement kAdvance(R"sql(
    UPDATE txrelay.senders SET next_nonce = next_nonce + $3, last_reserved_at = clock_timestamp()
     WHERE chain_id = $1 AND address = $2 RETURNING next_nonce - $3 AS first)sql",
                                      {INT8OID, TEXTOID, INT8OID});
  static const pg::Statement kReserve(R"sql(
    INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
    SELECT $1, $2, $3 + n - 1, w::uuid FROM unnest($4::text[]) WITH ORDINALITY u (w, n) ORDER BY n)sql",
                                      {INT8OID, TEXTOID, INT8OID, TEXTARRAYOID});
  const auto count = static_cast<std::int64_t>(withdrawal_ids.size());
  const std::int64_t first =
      kAdvance.Run({pg::Int8Param(chain_id), pg::TextParam(address), pg::Int8Param(count)})
          .front()
          .Int64("first");
  kReserve.Run({pg::Int8Param(chain_id), pg::TextParam(address), pg::Int8Param(first),
                pg::TextArrayParam(withdrawal_ids)});
  return first;
}

std::int64_t ReserveNonce(std::int64_t chain_id, const std::string& address,
                          const std::string& withdrawal_id) {
  static const pg::Statement kAdvance(R"sql(
    UPDATE txrelay.senders SET next_nonce = next_nonce + 1, last_reserved_at = clock_timestamp()
     WHERE chain_id = $1 AND address = $2 RETURNING next_nonce - 1 AS nonce)sql",
                                      {INT8OID, TEXTOID});
  static const pg::Statement kReserve(R"sql(
    INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
    VALUES ($1, $2, $3, $4::uuid))sql",
                                      {INT8OID, TEXTOID, INT8OID, TEXTOID});
  const std::int64_t nonce =
      kAdvance.Run({pg::Int8Param(chain_id), pg::TextParam(address)}).front().Int64("nonce");
  kReserve.Run(
      {pg::Int8Param(chain_id), pg::TextParam(address), pg::Int8Param(nonce), pg::TextParam(withdrawal_id)});
  return nonce;
}

std::optional<Reservation> ReservationOf(const std::string& withdrawal_id) {
  static const pg::Statement kReservation(R"sql(
    SELECT r.from_address, r.nonce, s.signer IS NOT NULL AS has_signer
      FROM txrelay.nonce_reservations r
      JOIN txrelay.senders s ON s.chain_id = r.chain_id AND s.address = r.from_address
     WHERE r.withdrawal_id = $1::uuid)sql",
                                          {TEXTOID});
  const auto rows = kReservation.Run({pg::TextParam(withdrawal_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return Reservation{r.Text("from_address"), r.Int64("nonce"), r.Bool("has_signer")};
}

std::vector<SenderRef> SendersWithUnknownNonce() {
  static const pg::Statement kUnknown(R"sql(
    SELECT chain_id, address FROM txrelay.senders WHERE next_nonce IS NULL AND status = 'active'
     ORDER BY chain_id, address)sql",
                                      {});
  const auto rows = kUnknown.Run({});
  std::vector<SenderRef> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i)
    out.push_back({rows[i].Int64("chain_id"), rows[i].Text("address")});
  return out;
}

void SetFirstNonce(std::int64_t chain_id, const std::string& address, std::uint64_t nonce) {
  static const pg::Statement kSet(R"sql(
    UPDATE txrelay.senders SET next_nonce = $3 WHERE chain_id = $1 AND address = $2 AND next_nonce IS NULL)sql",
                                  {INT8OID, TEXTOID, INT8OID});
  kSet.Run(
      {pg::Int8Param(chain_id), pg::TextParam(address), pg::Int8Param(static_cast<std::int64_t>(nonce))});
}

std::optional<NonceHolder> HolderOfNonce(std::int64_t chain_id, const std::string& address,
                                         std::uint64_t nonce) {
  static const pg::Statement kHolder(R"sql(
    SELECT r.withdrawal_id, w.status, r.nonce_key, w.idempotency_key
      FROM txrelay.nonce_reservations r JOIN txrelay.withdrawals w USING (withdrawal_id)
     WHERE r.chain_id = $1 AND r.from_address = $2 AND r.nonce = $3)sql",
                                     {INT8OID, TEXTOID, INT8OID});
  const auto rows = kHolder.Run(
      {pg::Int8Param(chain_id), pg::TextParam(address), pg::Int8Param(static_cast<std::int64_t>(nonce))});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return NonceHolder{r.Text("withdrawal_id"), r.Text("status"), r.Text("nonce_key"),
                     r.Text("idempotency_key")};
}

std::optional<std::string> SenderStatus(std::int64_t chain_id, const std::string& address) {
  static const pg::Statement kStatus(
      "SELECT status FROM txrelay.senders WHERE chain_id = $1 AND address = $2", {INT8OID, TEXTOID});
  const auto rows = kStatus.Run({pg::Int8Param(chain_id), pg::TextParam(address)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Text("status");
}

bool Quarantine(std::int64_t chain_id, const std::string& address, const std::string& reason) {
  static const pg::Statement kQuarantine(R"sql(
    UPDATE txrelay.senders SET status = 'quarantined', status_reason = $3, status_changed_at = now()
     WHERE chain_id = $1 AND address = $2 AND status <> 'quarantined' RETURNING address)sql",
                                         {INT8OID, TEXTOID, TEXTOID});
  return !kQuarantine.Run({pg::Int8Param(chain_id), pg::TextParam(address), pg::TextParam(reason)}).empty();
}

}  // namespace txrelay::store
