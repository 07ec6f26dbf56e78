#include "store/outbox.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id) {
  EnqueueSigns(chain_id, {withdrawal_id}, {signature_request_id});
}

void EnqueueSigns(std::int64_t chain_id, const std::vector<std::string>& withdrawal_ids,
                  const std::vector<std::string>& signature_request_ids) {
  static const pg::Statement kEnqueue(R"sql(
    INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id)
    SELECT 'sign', $1, w::uuid, s::uuid FROM unnest($2::text[], $3::text[]) WITH ORDINALITY u (w, s, n) ORDER BY n)sql",
                                      {INT8OID, TEXTARRAYOID, TEXTARRAYOID});
  kEnqueue.Run({pg::Int8Param(chain_id), pg::TextArrayParam(withdrawal_ids),
                pg::TextArrayParam(signature_request_ids)});
}

void EnqueueBroadcast(std::int64_t chain_id, const std::string& withdrawal_id,
                      const std::string& signature_request_id, const std::string& attempt_id) {
  static const pg::Statement kBroadcast(R"sql(
    INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id, attempt_id)
    VALUES ('broadcast', $1, $2::uuid, $3::uuid, $4::uuid))sql",
                                        {INT8OID, TEXTOID, TEXTOID, TEXTOID});
  kBroadcast.Run({pg::Int8Param(chain_id), pg::TextParam(withdrawal_id), pg::TextParam(signature_request_id),
                  pg::TextParam(attempt_id)});
}

void EnqueueBroadcasts(const std::vector<std::string>& attempt_ids) {
  static const pg::Statement kBroadcasts(R"sql(
    INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id, attempt_id)
    SELECT 'broadcast', a.chain_id, a.withdrawal_id, a.signature_request_id, a.attempt_id
      FROM unnest($1::text[]) WITH ORDINALITY u (id, n) JOIN txrelay.attempts a ON a.attempt_id = u.id::uuid
     ORDER BY u.n)sql",
                                         {TEXTARRAYOID});
  kBroadcasts.Run({pg::TextArrayParam(attempt_ids)});
}

void EnqueueResend(const std::string& attempt_id, const std::string& why) {
  static const pg::Statement kResend(R"sql(
    INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id, attempt_id, last_error)
    SELECT 'broadcast', a.chain_id, a.withdrawal_id, a.signature_request_id, a.attempt_id, $2
      FROM txrelay.attempts a
     WHERE a.attempt_id = $1::uuid
       AND NOT EXISTS (SELECT FROM txrelay.outbox o WHERE o.attempt_id = a.attempt_id AND o.kind = 'broadcast'
                                                      AND o.status IN ('pending', 'leased')))sql",
                                     {TEXTOID, TEXTOID});
  kResend.Run({pg::TextParam(attempt_id), pg::TextParam("resend: " + why)});
}

namespace {

LeasedJob FromLeaseRow(const pg::Row& r) {
  LeasedJob j;
  j.outbox_id = r.Int64("outbox_id");
  j.kind = r.Text("kind");
  j.tries = static_cast<int>(r.Int64("tries"));
  j.chain_id = r.Int64("chain_id");
  j.withdrawal_id = r.OptionalText("withdrawal_id");
  j.idempotency_key = r.OptionalText("idempotency_key");
  j.signature_request_id = r.OptionalText("signature_request_id");
  j.from_address = r.OptionalText("from_address");
  j.nonce = r.OptionalInt64("nonce");
  j.nonce_key = r.OptionalText("nonce_key");
  j.sender_status = r.OptionalText("sender_status").value_or("");
  j.to_address = r.OptionalText("to_address");
  j.value = r.OptionalText("value");
  j.request_kind = r.OptionalText("request_kind");
  j.min_max_fee_per_gas = r.OptionalText("min_max_fee_per_gas");
  j.min_max_priority_fee_per_gas = r.OptionalText("min_max_priority_fee_per_gas");
  if (!r.IsNull("data")) j.data = r.Bytes("data");
  j.signer_url = r.OptionalText("signer_url");
  j.signer_url_redacted = r.OptionalText("signer_url_redacted");
  j.attempt_id = r.OptionalText("attempt_id");
  j.tx_hash = r.OptionalText("tx_hash");
  if (!r.IsNull("raw_tx")) j.raw_tx = r.Bytes("raw_tx");
  return j;
}

}  // namespace

std::vector<LeasedJob> LeaseJobs(int limit, const std::string& owner, int lease_seconds) {
  static const pg::Statement kLease(R"sql(
    WITH due AS (
      -- the due jobs and the expired leases, each from its own partial index (all are sign or
      -- broadcast jobs: outbox_kind_check)
      SELECT outbox_id, available_at FROM (
        SELECT outbox_id, available_at FROM txrelay.outbox WHERE status = 'pending' AND available_at <= now()
         ORDER BY available_at, outbox_id LIMIT $1 FOR UPDATE SKIP LOCKED) p
      UNION ALL
      SELECT outbox_id, available_at FROM (
        SELECT outbox_id, available_at FROM txrelay.outbox WHERE status = 'leased' AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) l
      ORDER BY available_at, outbox_id LIMIT $1),
    claimed AS (
      UPDATE txrelay.outbox o
         SET status = 'leased', lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3),
             tries = o.tries + 1, updated_at = now()
       WHERE o.outbox_id = ANY (ARRAY(SELECT outbox_id FROM due))  -- by primary key, however many
      RETURNING o.outbox_id, o.kind, o.tries, o.chain_id, o.withdrawal_id, o.signature_request_id, o.attempt_id)
    SELECT c.outbox_id, c.kind, c.tries, c.chain_id, c.withdrawal_id, w.idempotency_key,
           coalesce(s.signature_request_id, a.signature_request_id) AS signature_request_id,
           coalesce(a.from_address, s.from_address) AS from_address, coalesce(a.nonce, s.nonce) AS nonce,
           n.nonce_key, sd.status AS sender_status,
           s.to_address, s.value, s.data, s.kind AS request_kind, s.min_max_fee_per_gas,
           s.min_max_priority_fee_per_gas, g.url AS signer_url, g.url_redacted AS signer_url_redacted,
           a.attempt_id, a.raw_tx, '0x' || encode(a.tx_hash, 'hex') AS tx_hash
      FROM claimed c
      LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = c.withdrawal_id
      LEFT JOIN txrelay.signature_requests s ON s.signature_request_id = c.signature_request_id
      LEFT JOIN txrelay.attempts a ON a.attempt_id = c.attempt_id
      LEFT JOIN txrelay.nonce_reservations n
             ON n.chain_id = c.chain_id AND n.from_address = coalesce(a.from_address, s.from_address)
            AND n.nonce = coalesce(a.nonce, s.nonce)
      LEFT JOIN txrelay.senders sd ON sd.chain_id = c.chain_id AND sd.address = coalesce(a.from_address, s.from_address)
      LEFT JOIN txrelay.signers g ON g.name = sd.signer
     ORDER BY c.outbox_id)sql",
                                    {INT4OID, TEXTOID, INT4OID});
  const auto rows = kLease.Run({pg::Int4Param(limit), pg::TextParam(owner), pg::Int4Param(lease_seconds)});
  std::vector<LeasedJob> jobs;
  jobs.reserve(rows.size());
  for (std::uint64_t i = 0; i < rows.size(); ++i) jobs.push_back(FromLeaseRow(rows[i]));
  return jobs;
}

std::optional<Lease> LeaseBroadcastOf(const std::string& attempt_id, const std::string& owner,
                                      int lease_seconds) {
  static const pg::Statement kTake(R"sql(
    UPDATE txrelay.outbox
       SET status = 'leased', lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3),
           tries = tries + 1, updated_at = now()
     WHERE attempt_id = $1::uuid AND kind = 'broadcast' AND status = 'pending'
    RETURNING outbox_id, tries)sql",
                                   {TEXTOID, TEXTOID, INT4OID});
  const auto rows =
      kTake.Run({pg::TextParam(attempt_id), pg::TextParam(owner), pg::Int4Param(lease_seconds)});
  if (rows.empty()) return std::nullopt;
  return Lease{rows.front().Int64("outbox_id"), static_cast<int>(rows.front().Int64("tries"))};
}

std::map<std::string, Lease> LeaseBroadcastsOf(const std::vector<std::string>& attempt_ids,
                                               const std::string& owner, int lease_seconds) {
  static const pg::Statement kTake(R"sql(
    UPDATE txrelay.outbox
       SET status = 'leased', lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3),
           tries = tries + 1, updated_at = now()
     WHERE attempt_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) AND kind = 'broadcast' AND status = 'pending'
    RETURNING attempt_id, outbox_id, tries)sql",
                                   {TEXTARRAYOID, TEXTOID, INT4OID});
  const auto rows =
      kTake.Run({pg::TextArrayParam(attempt_ids), pg::TextParam(owner), pg::Int4Param(lease_seconds)});
  std::map<std::string, Lease> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    out.emplace(rows[i].Text("attempt_id"),
                Lease{rows[i].Int64("outbox_id"), static_cast<int>(rows[i].Int64("tries"))});
  }
  return out;
}

std::int64_t ReleaseLeases() {
  static const pg::Statement kRelease(R"sql(
    UPDATE txrelay.outbox SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
     WHERE status = 'leased' AND kind IN ('sign', 'broadcast') RETURNING outbox_id)sql",
                                      {});
  return static_cast<std::int64_t>(kRelease.Run({}).size());
}

std::optional<std::int64_t> MsUntilNextJob() {
  // The first due job by an ordered scan of outbox_due_idx alone (every job is a sign or broadcast
  // job: outbox_kind_check), not min(), which the planner answers with a bitmap scan: an index scan
  // marks the entries of jobs already taken as dead, so that the next poll skips them, where a
  // bitmap scan reads their heap pages again at every poll until a vacuum.
  static const pg::Statement kDue(R"sql(
    SELECT greatest(0, ceil(extract(epoch FROM available_at - now()) * 1000))::bigint AS due_ms
      FROM txrelay.outbox WHERE status = 'pending' ORDER BY available_at, outbox_id LIMIT 1)sql",
                                  {});
  const auto rows = kDue.Run({});
  if (rows.empty()) return std::nullopt;
  return rows.front().Int64("due_ms");
}

// One job by primary key: a plan made while the outbox was small still finds one row by index,
// where the array form of MarkDoneMany would scan.
void MarkDone(std::int64_t outbox_id) {
  static const pg::Statement kDone(R"sql(
    UPDATE txrelay.outbox SET status = 'done', done_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                              last_error = NULL, updated_at = now()
     WHERE outbox_id = $1)sql",
                                   {INT8OID});
  kDone.Run({pg::Int8Param(outbox_id)});
}

void MarkDoneMany(const std::vector<std::int64_t>& outbox_ids) {
  static const pg::Statement kDone(R"sql(
    UPDATE txrelay.outbox SET status = 'done', done_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                              last_error = NULL, updated_at = now()
     WHERE outbox_id = ANY (ARRAY(SELECT unnest($1::text[])::bigint)))sql",
                                   {TEXTARRAYOID});
  std::vector<std::string> ids;
  for (std::int64_t id : outbox_ids) ids.push_back(std::to_string(id));
  kDone.Run({pg::TextArrayParam(ids)});
}

void MarkCancelled(std::int64_t outbox_id, const std::string& why) {
  static const pg::Statement kCancelled(R"sql(
    UPDATE txrelay.outbox SET status = 'cancelled', last_error = $2, done_at = now(), lease_owner = NULL,
                              lease_expires_at = NULL, updated_at = now()
     WHERE outbox_id = $1)sql",
                                        {INT8OID, TEXTOID});
  kCancelled.Run({pg::Int8Param(outbox_id), pg::TextParam(why)});
}

void MarkDead(std::int64_t outbox_id, const std::string& error) {
  static const pg::Statement kDead(R"sql(
    UPDATE txrelay.outbox SET status = 'dead', last_error = $2, lease_owner = NULL, lease_expires_at = NULL,
                              done_at = now(), updated_at = now()
     WHERE outbox_id = $1)sql",
                                   {INT8OID, TEXTOID});
  kDead.Run({pg::Int8Param(outbox_id), pg::TextParam(error)});
}

void ScheduleRetry(std::int64_t outbox_id, std::int64_t delay_ms, const std::string& error) {
  static const pg::Statement kRetry(R"sql(
    UPDATE txrelay.outbox SET status = 'pending', available_at = now() + make_interval(secs => $2 / 1000.0),
                              lease_owner = NULL, lease_expires_at = NULL, last_error = $3, updated_at = now()
     WHERE outbox_id = $1)sql",
                                    {INT8OID, INT8OID, TEXTOID});
  kRetry.Run({pg::Int8Param(outbox_id), pg::Int8Param(delay_ms), pg::TextParam(error)});
}

void Defer(std::int64_t outbox_id, std::int64_t delay_ms, const std::optional<std::string>& why) {
  static const pg::Statement kDefer(R"sql(
    UPDATE txrelay.outbox SET status = 'pending', tries = greatest(tries - 1, 0), lease_owner = NULL,
                              lease_expires_at = NULL, available_at = now() + make_interval(secs => $2 / 1000.0),
                              updated_at = now(), last_error = coalesce($3, last_error)
     WHERE outbox_id = $1)sql",
                                    {INT8OID, INT8OID, TEXTOID});
  kDefer.Run({pg::Int8Param(outbox_id), pg::Int8Param(delay_ms), pg::OptionalTextParam(why)});
}

void LockJobsOf(const std::string& withdrawal_id) {
  static const pg::Statement kLock(R"sql(
    SELECT outbox_id FROM txrelay.outbox WHERE withdrawal_id = $1::uuid ORDER BY outbox_id FOR UPDATE)sql",
                                   {TEXTOID});
  kLock.Run({pg::TextParam(withdrawal_id)});
}

std::int64_t CancelUnstarted(const std::string& withdrawal_id) {
  static const pg::Statement kCancel(R"sql(
    UPDATE txrelay.outbox SET status = 'cancelled', updated_at = now(), done_at = now()
     WHERE withdrawal_id = $1::uuid AND status IN ('pending', 'leased', 'dead') RETURNING outbox_id)sql",
                                     {TEXTOID});
  return static_cast<std::int64_t>(kCancel.Run({pg::TextParam(withdrawal_id)}).size());
}

void CancelSettledMany(std::int64_t chain_id, const std::vector<SettledNonce>& nonces) {
  // The pending jobs are found by index (the nonces' attempts and fee-bump requests) and then
  // cancelled by primary key: a single UPDATE with the job filter let the planner scan every
  // pending job, 1 to 1.5 ms per inclusion during a burst (bench/pipeline.sh).
  static const pg::Statement kSettledJobs(R"sql(
    WITH k AS (SELECT u.f, u.n::bigint AS n, u.h FROM unnest($2::text[], $3::text[], $4::text[]) u (f, n, h)),
         r AS (UPDATE txrelay.signature_requests s SET status = 'cancelled', updated_at = now() FROM k
                WHERE s.chain_id = $1 AND s.from_address = k.f AND s.nonce = k.n AND s.kind <> 'withdrawal'
                  AND s.status = 'pending'
               RETURNING s.signature_request_id, k.h)
    SELECT j.outbox_id, r.h FROM txrelay.outbox j JOIN r USING (signature_request_id) WHERE j.status = 'pending'
    UNION
    SELECT j.outbox_id, k.h FROM k JOIN txrelay.attempts a ON a.chain_id = $1 AND a.from_address = k.f AND a.nonce = k.n
      JOIN txrelay.outbox j ON j.attempt_id = a.attempt_id WHERE j.status = 'pending')sql",
                                          {INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  static const pg::Statement kCancelJobs(R"sql(
    UPDATE txrelay.outbox o SET status = 'cancelled', done_at = now(), updated_at = now(),
                                last_error = 'not needed: ' || u.h || ' is included'
      FROM unnest($1::text[], $2::text[]) u (id, h)
     WHERE o.outbox_id = u.id::bigint AND o.status = 'pending' AND o.kind IN ('sign', 'broadcast'))sql",
                                         {TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> c[3], jobs, hashes;
  for (const SettledNonce& n : nonces) {
    c[0].push_back(n.from);
    c[1].push_back(std::to_string(n.nonce));
    c[2].push_back(n.tx_hash);
  }
  const auto rows = kSettledJobs.Run({pg::Int8Param(chain_id), pg::TextArrayParam(c[0]),
                                      pg::TextArrayParam(c[1]), pg::TextArrayParam(c[2])});
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    jobs.push_back(std::to_string(rows[i].Int64("outbox_id")));
    hashes.push_back(rows[i].Text("h"));
  }
  if (!jobs.empty()) kCancelJobs.Run({pg::TextArrayParam(jobs), pg::TextArrayParam(hashes)});
}

std::optional<OutboxState> LockJob(std::int64_t outbox_id) {
  static const pg::Statement kLock(
      "SELECT status, withdrawal_id FROM txrelay.outbox WHERE outbox_id = $1 FOR UPDATE", {INT8OID});
  const auto rows = kLock.Run({pg::Int8Param(outbox_id)});
  if (rows.empty()) return std::nullopt;
  return OutboxState{rows.front().Text("status"), rows.front().OptionalText("withdrawal_id")};
}

Datum Requeue(std::int64_t outbox_id) {
  static const pg::Statement kRequeue(R"sql(
    UPDATE txrelay.outbox o SET status = 'pending', tries = 0, available_at = now(), lease_owner = NULL,
                                lease_expires_at = NULL, requeue_count = requeue_count + 1, updated_at = now()
     WHERE outbox_id = $1 RETURNING o)sql",
                                      {INT8OID});
  return kRequeue.Run({pg::Int8Param(outbox_id)}).front().TransferValue("o");
}

}  // namespace txrelay::store
