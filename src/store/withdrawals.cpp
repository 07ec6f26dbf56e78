#include "store/withdrawals.hpp"
#include "store/schema.hpp"

#include "core/hex.hpp"
#include "pg/spi.hpp"

namespace txrelay::store {

namespace {

WithdrawalRow FromRow(const pg::Row& r) {
  return WithdrawalRow{r.Text("withdrawal_id"), r.Text("idempotency_key"), r.Text("account"),
                       r.Int64("chain_id"),     r.Text("asset"),           r.Text("to_address"),
                       r.Text("amount"),        r.Text("risk_tier"),       r.Text("status")};
}

KeyHolder HolderOf(const pg::Row& r) {
  return KeyHolder{
      r.Text("withdrawal_id"), r.Bytes("request_fingerprint"),
      WithdrawalRequest{r.Text("account"), r.Int64("chain_id"), r.Text("asset"), r.Text("to_address"),
                        r.Text("amount"), r.Text("risk_tier"), r.Text("metadata")},
      r.Text("idempotency_key")};
}

}  // namespace

std::optional<WithdrawalRow> LockWithdrawal(const std::string& withdrawal_id) {
  static const pg::Statement kLock(R"sql(
    SELECT withdrawal_id, idempotency_key, account, chain_id, asset, to_address, amount, risk_tier, status
      FROM txrelay.withdrawals WHERE withdrawal_id = $1::uuid FOR UPDATE)sql",
                                   {TEXTOID});
  const auto rows = kLock.Run({pg::TextParam(withdrawal_id)});
  if (rows.empty()) return std::nullopt;
  return FromRow(rows.front());
}

std::vector<SeenRow> LockWithdrawals(const std::vector<std::string>& withdrawal_ids) {
  // _sees_withdrawal's own shortcut and the uuid[], each made once for the batch (init plans),
  // not per row when a plan made on a small table scans.
  static const pg::Statement kLock(R"sql(
    SELECT withdrawal_id, idempotency_key, account, chain_id, asset, to_address, amount, risk_tier, status,
           (SELECT txrelay._sees_all_withdrawals()) OR txrelay._sees_withdrawal(requested_by) AS sees
      FROM txrelay.withdrawals WHERE withdrawal_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid))
     ORDER BY withdrawal_id FOR UPDATE)sql",
                                   {TEXTARRAYOID});
  const auto rows = kLock.Run({pg::TextArrayParam(withdrawal_ids)});
  std::vector<SeenRow> out;
  out.reserve(rows.size());
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back({FromRow(rows[i]), rows[i].Bool("sees")});
  return out;
}

std::map<std::string, std::string> LockStatuses(const std::vector<std::string>& withdrawal_ids) {
  static const pg::Statement kLock(R"sql(
    SELECT withdrawal_id, status FROM txrelay.withdrawals
     WHERE withdrawal_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) ORDER BY withdrawal_id FOR UPDATE)sql",
                                   {TEXTARRAYOID});
  return kLock.Run({pg::TextArrayParam(withdrawal_ids)}).TextMap("withdrawal_id", "status");
}

std::optional<KeyHolder> FindByIdempotencyKey(const std::string& key) {
  static const pg::Statement kFind(R"sql(
    SELECT withdrawal_id, request_fingerprint, account, chain_id, asset, to_address, amount, risk_tier,
           metadata::text AS metadata, idempotency_key
      FROM txrelay.withdrawals WHERE idempotency_key = $1)sql",
                                   {TEXTOID});
  const auto rows = kFind.Run({pg::TextParam(key)});
  if (rows.empty()) return std::nullopt;
  return HolderOf(rows.front());
}

std::vector<KeyHolder> FindByIdempotencyKeys(const std::vector<std::string>& keys) {
  static const pg::Statement kFind(R"sql(
    SELECT withdrawal_id, request_fingerprint, account, chain_id, asset, to_address, amount, risk_tier,
           metadata::text AS metadata, idempotency_key
      FROM txrelay.withdrawals WHERE idempotency_key = ANY ($1::text[]))sql",
                                   {TEXTARRAYOID});
  const auto rows = kFind.Run({pg::TextArrayParam(keys)});
  std::vector<KeyHolder> out;
  out.reserve(rows.size());
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back(HolderOf(rows[i]));
  return out;
}

std::optional<WithdrawalRow> InsertWithdrawal(const std::string& key,
                                              const std::vector<std::uint8_t>& fingerprint,
                                              const WithdrawalRequest& request) {
  static const pg::Statement kInsert(
      R"sql(
    INSERT INTO txrelay.withdrawals (idempotency_key, request_fingerprint, account, chain_id, asset, to_address,
                                     amount, risk_tier, metadata, status_reason)
    VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9::jsonb, 'requested')
    ON CONFLICT ON CONSTRAINT withdrawals_idempotency_key_key DO NOTHING
    RETURNING withdrawal_id, idempotency_key, account, chain_id, asset, to_address, amount, risk_tier, status)sql",
      {TEXTOID, BYTEAOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  const auto rows = kInsert.Run({pg::TextParam(key), pg::ByteaParam(fingerprint.data(), fingerprint.size()),
                                 pg::TextParam(request.account), pg::Int8Param(request.chain_id),
                                 pg::TextParam(request.asset), pg::TextParam(request.to_address),
                                 pg::TextParam(request.amount), pg::TextParam(request.risk_tier),
                                 pg::TextParam(request.metadata)});
  if (rows.empty()) return std::nullopt;
  return FromRow(rows.front());
}

std::vector<WithdrawalRow> InsertWithdrawals(const std::vector<NewWithdrawal>& requests) {
  static const pg::Statement kInsert(R"sql(
    INSERT INTO txrelay.withdrawals (idempotency_key, request_fingerprint, account, chain_id, asset, to_address,
                                     amount, risk_tier, metadata, status_reason)
    SELECT k, decode(f, 'hex'), a, c::bigint, s, t, m::numeric, r, d::jsonb, 'requested'
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[]) WITH ORDINALITY u (k, f, a, c, s, t, m, r, d, n)
     ORDER BY n
    ON CONFLICT ON CONSTRAINT withdrawals_idempotency_key_key DO NOTHING
    RETURNING withdrawal_id, idempotency_key, account, chain_id, asset, to_address, amount, risk_tier, status)sql",
                                     {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
                                      TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::vector<std::string>> columns(9);
  for (const NewWithdrawal& w : requests) {
    const WithdrawalRequest& q = w.request;
    const std::string values[] = {w.key,     ToHex(w.fingerprint.data(), w.fingerprint.size(), false),
                                  q.account, std::to_string(q.chain_id),
                                  q.asset,   q.to_address,
                                  q.amount,  q.risk_tier,
                                  q.metadata};
    for (std::size_t c = 0; c < columns.size(); ++c) columns[c].push_back(values[c]);
  }
  const auto p = [&](std::size_t c) { return pg::TextArrayParam(columns[c]); };
  const auto rows = kInsert.Run({p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8)});
  std::vector<WithdrawalRow> out;
  out.reserve(rows.size());
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back(FromRow(rows[i]));
  return out;
}

void SetStatus(const std::string& withdrawal_id, const std::string& status, const std::string& reason) {
  static const pg::Statement kSet(R"sql(
    UPDATE txrelay.withdrawals SET status = $2, status_reason = $3 WHERE withdrawal_id = $1::uuid)sql",
                                  {TEXTOID, TEXTOID, TEXTOID});
  kSet.Run({pg::TextParam(withdrawal_id), pg::TextParam(status), pg::TextParam(reason)});
}

void SetStatuses(const std::vector<std::string>& withdrawal_ids, const std::string& status,
                 const std::vector<std::string>& reasons) {
  static const pg::Statement kSet(R"sql(
    UPDATE txrelay.withdrawals w SET status = $2, status_reason = u.reason
      FROM unnest($1::text[]::uuid[], $3::text[]) u (withdrawal_id, reason)
     WHERE w.withdrawal_id = u.withdrawal_id)sql",
                                  {TEXTARRAYOID, TEXTOID, TEXTARRAYOID});
  kSet.Run({pg::TextArrayParam(withdrawal_ids), pg::TextParam(status), pg::TextArrayParam(reasons)});
}

bool MoveStatus(const std::string& withdrawal_id, const std::string& from, const std::string& to,
                const std::string& reason) {
  static const pg::Statement kMove(R"sql(
    UPDATE txrelay.withdrawals SET status = $3, status_reason = $4
     WHERE withdrawal_id = $1::uuid AND status = $2 RETURNING 1 AS moved)sql",
                                   {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  return !kMove
              .Run({pg::TextParam(withdrawal_id), pg::TextParam(from), pg::TextParam(to),
                    pg::TextParam(reason)})
              .empty();
}

std::size_t MoveStatuses(const std::vector<std::string>& withdrawal_ids, const std::string& from,
                         const std::string& to, const std::vector<std::string>& reasons) {
  if (withdrawal_ids.empty()) return 0;
  static const pg::Statement kMove(R"sql(
    UPDATE txrelay.withdrawals w SET status = $3, status_reason = u.reason
      FROM unnest($1::text[]::uuid[], $4::text[]) u (withdrawal_id, reason)
     WHERE w.withdrawal_id = u.withdrawal_id AND w.status = $2 RETURNING 1 AS moved)sql",
                                   {TEXTARRAYOID, TEXTOID, TEXTOID, TEXTARRAYOID});
  return static_cast<std::size_t>(kMove
                                      .Run({pg::TextArrayParam(withdrawal_ids), pg::TextParam(from),
                                            pg::TextParam(to), pg::TextArrayParam(reasons)})
                                      .size());
}

void MarkCompletedMany(const std::vector<std::string>& withdrawal_ids) {
  static const pg::Statement kComplete(R"sql(
    UPDATE txrelay.withdrawals SET completed_at = now()
     WHERE withdrawal_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) AND completed_at IS NULL)sql",
                                       {TEXTARRAYOID});
  kComplete.Run({pg::TextArrayParam(withdrawal_ids)});
}

void MarkCompleted(const std::string& withdrawal_id) {
  static const pg::Statement kComplete(R"sql(
    UPDATE txrelay.withdrawals SET completed_at = now() WHERE withdrawal_id = $1::uuid AND completed_at IS NULL)sql",
                                       {TEXTOID});
  kComplete.Run({pg::TextParam(withdrawal_id)});
}

void AddNote(const std::string& withdrawal_id, const std::string& event, const std::string& reason,
             const std::string& detail_json) {
  static const pg::Statement kNote("SELECT txrelay._add_note($1::uuid, $2, $3, $4::jsonb)",
                                   {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  kNote.Run({pg::TextParam(withdrawal_id), pg::TextParam(event), pg::TextParam(reason),
             pg::TextParam(detail_json)});
}

void AddNotes(const std::vector<std::string>& withdrawal_ids, const std::string& event,
              const std::vector<std::string>& reasons, const std::vector<std::string>& details_json) {
  static const pg::Statement kNotes(R"sql(
    SELECT txrelay._add_note(u.id::uuid, $2, u.reason, u.detail::jsonb)
      FROM unnest($1::text[], $3::text[], $4::text[]) WITH ORDINALITY u (id, reason, detail, n) ORDER BY u.n)sql",
                                    {TEXTARRAYOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID});
  kNotes.Run({pg::TextArrayParam(withdrawal_ids), pg::TextParam(event), pg::TextArrayParam(reasons),
              pg::TextArrayParam(details_json)});
}

void RecordStatementTransitions(bool update) {
  static const pg::Statement kInserted(R"sql(
    INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason)
    SELECT withdrawal_id, 'status', NULL, status, status_reason FROM txrelay_new_rows)sql",
                                       {});
  static const pg::Statement kUpdated(R"sql(
    INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason)
    SELECT n.withdrawal_id, 'status', o.status, n.status, n.status_reason
      FROM txrelay_new_rows n JOIN txrelay_old_rows o ON o.withdrawal_id = n.withdrawal_id
     WHERE n.status IS DISTINCT FROM o.status)sql",
                                      {});
  (update ? kUpdated : kInserted).Run({});
}

void RecordTransition(const std::string& withdrawal_id, const std::optional<std::string>& from,
                      const std::string& to, const std::optional<std::string>& reason) {
  static const pg::Statement kEvent(R"sql(
    INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason)
    VALUES ($1::uuid, 'status', $2, $3, $4))sql",
                                    {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  kEvent.Run({pg::TextParam(withdrawal_id), pg::OptionalTextParam(from), pg::TextParam(to),
              pg::OptionalTextParam(reason)});
}

void Notify(const std::string& event, const std::string& withdrawal_id) {
  NotifyMany(event, {withdrawal_id});
}

void NotifyMany(const std::string& event, const std::vector<std::string>& withdrawal_ids) {
  // The attempt named is the included one, else the newest (DESIGN §4: the application is told).
  static const pg::Statement kNotify(R"sql(
    SELECT pg_catalog.pg_notify('txrelay_events', json_build_object(
             'event', $1::text, 'withdrawal_id', w.withdrawal_id, 'idempotency_key', w.idempotency_key,
             'status', w.status, 'nonce_key', r.nonce_key, 'attempt_id', a.attempt_id,
             'tx_hash', '0x' || encode(a.tx_hash, 'hex'))::text)
      FROM unnest($2::text[]) WITH ORDINALITY u (id, n)
      JOIN txrelay.withdrawals w ON w.withdrawal_id = u.id::uuid
      LEFT JOIN txrelay.nonce_reservations r ON r.withdrawal_id = w.withdrawal_id
      LEFT JOIN LATERAL (SELECT * FROM txrelay.attempts x WHERE x.withdrawal_id = w.withdrawal_id
                          ORDER BY (x.status = 'included') DESC, x.created_at DESC LIMIT 1) a ON true
     ORDER BY u.n)sql",
                                     {TEXTOID, TEXTARRAYOID});
  kNotify.Run({pg::TextParam(event), pg::TextArrayParam(withdrawal_ids)});
}

Datum ReturnWithdrawal(const std::string& withdrawal_id) {
  static const pg::Statement kRow("SELECT w FROM txrelay.withdrawals w WHERE w.withdrawal_id = $1::uuid",
                                  {TEXTOID});
  return kRow.Run({pg::TextParam(withdrawal_id)}).front().TransferValue("w");
}

bool CallerSees(const std::string& withdrawal_id) {
  // Once the schema has owners it keeps them (0.1.0 -> 0.2.0 only adds): asked until then.
  static bool has_owners = false;
  if (!has_owners) has_owners = FunctionPresent("txrelay._sees_withdrawal(text)");
  if (!has_owners) return true;
  // Prepared only once the column exists (the plan names it): no whole-row to_jsonb per call.
  static const pg::Statement kSees(R"sql(
    SELECT txrelay._sees_withdrawal(w.requested_by) AS sees
      FROM txrelay.withdrawals w WHERE w.withdrawal_id = $1::uuid)sql",
                                   {TEXTOID});
  const auto rows = kSees.Run({pg::TextParam(withdrawal_id)});
  return !rows.empty() && rows.front().Bool("sees");
}

}  // namespace txrelay::store
