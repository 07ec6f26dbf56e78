// core headers before any PostgreSQL header (core/cpp_only.hpp checks it)
#include "core/hex.hpp"
#include "core/payment_call.hpp"
#include "store/status_sql.hpp"

#include "store/attempts.hpp"

#include "pg/spi.hpp"
#include "pg/worker.hpp"
#include "store/schema.hpp"

namespace txrelay::store {

namespace {

// Whether attempts.rollup_fee (0.2.0) exists. A 0.1.0 schema (a new library before ALTER
// EXTENSION UPDATE) has no such column; once it has, it keeps it (an update only adds).
bool RollupFeePresent() {
  static bool present = false;
  if (present) return true;
  static const pg::Statement kPresent(
      "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'txrelay.attempts'::regclass "
      "AND attname = 'rollup_fee' AND NOT attisdropped) AS present",
      {});
  present = kPresent.Run({}).front().Bool("present");
  return present;
}

// attempts.rollup_fee, NULL for none; on a 0.1.0 schema an L2 fee is left out of the COMMIT, with
// a warning.
void SetRollupFee(const std::string& attempt_id, const std::string& fee) {
  if (!RollupFeePresent()) {
    if (fee != "0") {
      pg::worker::LogWarning("txrelay tracker: the rollup fee " + fee + " wei of attempt " + attempt_id +
                             " is not recorded: the schema is 0.1.0 (run ALTER EXTENSION txrelay UPDATE)");
    }
    return;
  }
  static const pg::Statement kSet(
      "UPDATE txrelay.attempts SET rollup_fee = nullif($2::numeric, 0) WHERE attempt_id = $1::uuid",
      {TEXTOID, TEXTOID});
  kSet.Run({pg::TextParam(attempt_id), pg::TextParam(fee)});
}

// A PostgreSQL text[] literal of 0x-hex strings (no quoting needed: [0-9a-fx] only).
std::string HexArray(const std::vector<std::string>& hashes) {
  std::string out = "{";
  for (std::size_t i = 0; i < hashes.size(); ++i) out += (i ? "," : "") + hashes[i];
  return out + "}";
}

std::int64_t Signed(std::uint64_t value) { return static_cast<std::int64_t>(value); }

// "A newer attempt at the same nonce" (a fee bump superseded attempt a), in one spelling.
const std::string kNewerAttemptAtNonce = R"sql(
    EXISTS (SELECT FROM txrelay.attempts newer
             WHERE newer.chain_id = a.chain_id AND newer.from_address = a.from_address AND newer.nonce = a.nonce
               AND newer.created_at > a.created_at))sql";

// The call columns of an attempt's signature request `s`, for core's PaysRecipient.
const std::string kCallColumns =
    "s.to_address, s.from_address AS call_from, s.value, octet_length(s.data) AS data_length";

bool Pays(const pg::Row& r) {
  return PaysRecipient(r.Text("to_address"), r.Text("call_from"), r.Text("value"),
                       static_cast<std::size_t>(r.Int64("data_length")));
}

}  // namespace

RecordedAttempt InsertAttempt(const NewAttempt& a) {
  static const pg::Statement kInsert(R"sql(
    INSERT INTO txrelay.attempts AS a (signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash,
                                       raw_tx, tx_type, gas_limit, max_fee_per_gas, max_priority_fee_per_gas)
    SELECT s.signature_request_id, s.withdrawal_id, s.chain_id, s.from_address, s.nonce, $2, $3, $4, $5,
           $6::numeric, $7::numeric
      FROM txrelay.signature_requests s WHERE s.signature_request_id = $1::uuid
    RETURNING a, a.attempt_id, '0x' || encode(a.tx_hash, 'hex') AS tx_hash)sql",
                                     {TEXTOID, BYTEAOID, BYTEAOID, INT4OID, INT8OID, TEXTOID, TEXTOID});
  const auto r =
      kInsert
          .Run({pg::TextParam(a.signature_request_id), pg::ByteaParam(a.tx_hash.data(), a.tx_hash.size()),
                pg::ByteaParam(a.raw_tx.data(), a.raw_tx.size()), pg::Int4Param(a.tx_type),
                pg::Int8Param(a.gas_limit), pg::TextParam(a.max_fee_per_gas),
                pg::TextParam(a.max_priority_fee_per_gas)})
          .front();
  return RecordedAttempt{r.TransferValue("a"), r.Text("attempt_id"), r.Text("tx_hash")};
}

std::map<std::string, std::string> InsertAttempts(const std::vector<NewAttempt>& attempts) {
  static const pg::Statement kInsert(
      R"sql(
    INSERT INTO txrelay.attempts AS a (signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash,
                                       raw_tx, tx_type, gas_limit, max_fee_per_gas, max_priority_fee_per_gas)
    SELECT s.signature_request_id, s.withdrawal_id, s.chain_id, s.from_address, s.nonce, decode(u.h, 'hex'),
           decode(u.r, 'hex'), u.t::int, u.g::bigint, u.f::numeric, u.p::numeric
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             WITH ORDINALITY u (id, h, r, t, g, f, p, n)
      JOIN txrelay.signature_requests s ON s.signature_request_id = u.id::uuid
     ORDER BY u.n
    RETURNING a.signature_request_id, a.attempt_id)sql",
      {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> c[7];
  for (const NewAttempt& a : attempts) {
    c[0].push_back(a.signature_request_id);
    c[1].push_back(ToHex(a.tx_hash, false));
    c[2].push_back(ToHex(a.raw_tx, false));
    c[3].push_back(std::to_string(a.tx_type));
    c[4].push_back(std::to_string(a.gas_limit));
    c[5].push_back(a.max_fee_per_gas);
    c[6].push_back(a.max_priority_fee_per_gas);
  }
  const auto rows = kInsert.Run({pg::TextArrayParam(c[0]), pg::TextArrayParam(c[1]), pg::TextArrayParam(c[2]),
                                 pg::TextArrayParam(c[3]), pg::TextArrayParam(c[4]), pg::TextArrayParam(c[5]),
                                 pg::TextArrayParam(c[6])});
  std::map<std::string, std::string> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i)
    out.emplace(rows[i].Text("signature_request_id"), rows[i].Text("attempt_id"));
  return out;
}

bool SubmitSignedRoundPresent() {
  static bool present = false;  // once there, it stays (0.1.0 -> 0.2.0 only adds)
  if (!present) present = FunctionPresent("txrelay._submit_signed_round(text[],text[])");
  return present;
}

std::vector<std::string> SubmitSignedRound(const std::vector<std::string>& signature_request_ids,
                                           const std::vector<std::vector<std::uint8_t>>& raw_txs) {
  static const pg::Statement kRound("SELECT unnest(txrelay._submit_signed_round($1, $2)) AS attempt_id",
                                    {TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> raws;
  for (const auto& raw : raw_txs) raws.push_back(ToHex(raw, false));
  const auto rows = kRound.Run({pg::TextArrayParam(signature_request_ids), pg::TextArrayParam(raws)});
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back(rows[i].Text("attempt_id"));
  return out;
}

std::optional<RecordedAttempt> AttemptOfRequest(const std::string& signature_request_id) {
  static const pg::Statement kAttempt(R"sql(
    SELECT a, a.attempt_id, '0x' || encode(a.tx_hash, 'hex') AS tx_hash
      FROM txrelay.attempts a WHERE signature_request_id = $1::uuid)sql",
                                      {TEXTOID});
  const auto rows = kAttempt.Run({pg::TextParam(signature_request_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return RecordedAttempt{r.TransferValue("a"), r.Text("attempt_id"), r.Text("tx_hash")};
}

SubmittedAttempt SubmitSigned(const std::string& signature_request_id,
                              const std::vector<std::uint8_t>& raw_tx) {
  static const pg::Statement kSubmit(R"sql(
    SELECT attempt_id, '0x' || encode(tx_hash, 'hex') AS tx_hash FROM txrelay.submit_signed($1::uuid, $2))sql",
                                     {TEXTOID, BYTEAOID});
  const auto r =
      kSubmit.Run({pg::TextParam(signature_request_id), pg::ByteaParam(raw_tx.data(), raw_tx.size())})
          .front();
  return SubmittedAttempt{r.Text("attempt_id"), r.Text("tx_hash")};
}

void MarkSent(const std::string& attempt_id) { MarkSentMany({attempt_id}); }

void MarkSentMany(const std::vector<std::string>& attempt_ids) {
  static const pg::Statement kSent(R"sql(
    UPDATE txrelay.attempts SET status = 'sent', sent_at = coalesce(sent_at, now()), updated_at = now()
     WHERE attempt_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) AND status = 'created')sql",
                                   {TEXTARRAYOID});
  kSent.Run({pg::TextArrayParam(attempt_ids)});
}

void MarkRefused(const std::string& attempt_id) {
  static const pg::Statement kRefused(R"sql(
    UPDATE txrelay.attempts SET status = 'dropped', updated_at = now()
     WHERE attempt_id = $1::uuid AND status = 'created')sql",
                                      {TEXTOID});
  kRefused.Run({pg::TextParam(attempt_id)});
}

void MarkDropped(const std::string& attempt_id) {
  static const pg::Statement kDropped(R"sql(
    UPDATE txrelay.attempts SET status = 'dropped', updated_at = now() WHERE attempt_id = $1::uuid AND status = 'sent')sql",
                                      {TEXTOID});
  kDropped.Run({pg::TextParam(attempt_id)});
}

bool IsSuperseded(const std::string& attempt_id) {
  static const std::string kSql = "SELECT " + kNewerAttemptAtNonce +
                                  " AS superseded FROM txrelay.attempts a WHERE a.attempt_id = $1::uuid";
  static const pg::Statement kSuperseded(kSql.c_str(), {TEXTOID});
  const auto rows = kSuperseded.Run({pg::TextParam(attempt_id)});
  return !rows.empty() && rows.front().Bool("superseded");
}

std::vector<IncludedAttempt> IncludeAttempts(const std::vector<Inclusion>& inclusions) {
  static const std::string kSql = R"sql(
    UPDATE txrelay.attempts a
       SET status = 'included', block_number = u.b::bigint, block_hash = decode(substr(u.bh, 3), 'hex'),
           receipt_status = u.rs::smallint, gas_used = u.g::numeric, effective_gas_price = u.e::numeric,
           included_at = now(), updated_at = now()
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) u (h, b, bh, rs, g, e),
           txrelay.signature_requests s, txrelay.withdrawals w
     WHERE a.tx_hash = decode(substr(u.h, 3), 'hex') AND a.status <> 'included'
       AND s.signature_request_id = a.signature_request_id AND w.withdrawal_id = a.withdrawal_id
    RETURNING '0x' || encode(a.tx_hash, 'hex') AS tx_hash, a.attempt_id, a.withdrawal_id, a.from_address, a.nonce,
              w.status AS withdrawal_status, )sql" +
                                  kCallColumns;
  static const pg::Statement kInclude(
      kSql.c_str(), {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> c[6];
  for (const Inclusion& x : inclusions) {
    c[0].push_back(x.tx_hash);
    c[1].push_back(std::to_string(x.block_number));
    c[2].push_back(x.block_hash);
    c[3].push_back(std::to_string(x.receipt_status));
    c[4].push_back(x.gas_used);
    c[5].push_back(x.effective_gas_price);
  }
  const auto rows =
      kInclude.Run({pg::TextArrayParam(c[0]), pg::TextArrayParam(c[1]), pg::TextArrayParam(c[2]),
                    pg::TextArrayParam(c[3]), pg::TextArrayParam(c[4]), pg::TextArrayParam(c[5])});
  std::vector<IncludedAttempt> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    const std::string tx_hash = r.Text("tx_hash");
    out.push_back({r.Text("attempt_id"), r.Text("withdrawal_id"), r.Text("from_address"), r.Int64("nonce"),
                   r.Text("withdrawal_status"), Pays(r), tx_hash});
    for (const Inclusion& x : inclusions) {  // (NULL since not included)
      if (x.tx_hash == tx_hash && x.rollup_fee != "0") SetRollupFee(out.back().attempt_id, x.rollup_fee);
    }
  }
  return out;
}

void ReplaceOthersAtNonce(std::int64_t chain_id, const std::string& from, std::int64_t nonce,
                          const std::optional<std::string>& except) {
  ReplaceOthersAtNonces(chain_id, {{from, nonce, except}});
}

void ReplaceOthersAtNonces(std::int64_t chain_id, const std::vector<NonceWinner>& nonces) {
  static const pg::Statement kReplaced(R"sql(
    UPDATE txrelay.attempts a SET status = 'replaced', updated_at = now()
      FROM unnest($2::text[], $3::text[], $4::text[]) u (f, n, e)
     WHERE a.chain_id = $1 AND a.from_address = u.f AND a.nonce = u.n::bigint
       AND a.attempt_id IS DISTINCT FROM u.e::uuid AND a.status IN ('created', 'sent', 'dropped'))sql",
                                       {INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> froms, nonce_texts;
  std::vector<std::optional<std::string>> excepts;
  for (const NonceWinner& n : nonces) {
    froms.push_back(n.from);
    nonce_texts.push_back(std::to_string(n.nonce));
    excepts.push_back(n.attempt_id);
  }
  kReplaced.Run({pg::Int8Param(chain_id), pg::TextArrayParam(froms), pg::TextArrayParam(nonce_texts),
                 pg::OptionalTextArrayParam(excepts)});
}

std::vector<ReorgedInclusion> InclusionsAbove(std::int64_t chain_id, std::uint64_t fork) {
  static const pg::Statement kGone(R"sql(
    SELECT a.attempt_id, a.withdrawal_id, w.status, '0x' || encode(a.tx_hash, 'hex') AS tx_hash, a.block_number,
           '0x' || encode(a.block_hash, 'hex') AS block_hash
      FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id)
     WHERE a.chain_id = $1 AND a.status = 'included' AND a.block_number > $2
     ORDER BY a.block_number)sql",
                                   {INT8OID, INT8OID});
  const auto rows = kGone.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(fork))});
  std::vector<ReorgedInclusion> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Text("attempt_id"), r.Text("withdrawal_id"), r.Text("status"), r.Text("tx_hash"),
                   r.Text("block_hash"), r.Int64("block_number")});
  }
  return out;
}

void Uninclude(const std::string& attempt_id, std::uint64_t seen_block) {
  static const pg::Statement kUninclude(R"sql(
    UPDATE txrelay.attempts
       SET status = 'sent', block_number = NULL, block_hash = NULL, receipt_status = NULL, gas_used = NULL,
           effective_gas_price = NULL, included_at = NULL, first_seen_block = $2, updated_at = now()
     WHERE attempt_id = $1::uuid)sql",
                                        {TEXTOID, INT8OID});
  kUninclude.Run({pg::TextParam(attempt_id), pg::Int8Param(Signed(seen_block))});
  SetRollupFee(attempt_id, "0");
}

void MarkFirstSeen(std::int64_t chain_id, std::uint64_t block) {
  static const pg::Statement kSeen(R"sql(
    UPDATE txrelay.attempts SET first_seen_block = $2
     WHERE chain_id = $1 AND status = 'sent' AND first_seen_block IS NULL)sql",
                                   {INT8OID, INT8OID});
  kSeen.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(block))});
}

void SetFirstSeen(const std::string& attempt_id, std::uint64_t block) {
  static const pg::Statement kSeenAgain(
      "UPDATE txrelay.attempts SET first_seen_block = $2 WHERE attempt_id = $1::uuid", {TEXTOID, INT8OID});
  kSeenAgain.Run({pg::TextParam(attempt_id), pg::Int8Param(Signed(block))});
}

std::optional<FeeFloor> HighestFeesAtNonce(std::int64_t chain_id, const std::string& from,
                                           std::int64_t nonce) {
  static const pg::Statement kHighest(R"sql(
    SELECT a.attempt_id, a.max_fee_per_gas, a.max_priority_fee_per_gas, c.max_fee_per_gas_cap, c.max_priority_fee_cap
      FROM txrelay.attempts a JOIN txrelay.chains c USING (chain_id)
     WHERE a.chain_id = $1 AND a.from_address = $2 AND a.nonce = $3
     ORDER BY a.max_fee_per_gas DESC, a.max_priority_fee_per_gas DESC LIMIT 1)sql",
                                      {INT8OID, TEXTOID, INT8OID});
  const auto rows = kHighest.Run({pg::Int8Param(chain_id), pg::TextParam(from), pg::Int8Param(nonce)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return FeeFloor{r.Text("attempt_id"), r.Text("max_fee_per_gas"), r.Text("max_priority_fee_per_gas"),
                  r.Text("max_fee_per_gas_cap"), r.Text("max_priority_fee_cap")};
}

std::vector<CancelRace> DecidedCancelRaces(std::int64_t chain_id) {
  // The open-status index finds the few cancelling withdrawals.
  static const std::string kSql = R"sql(
    SELECT w.withdrawal_id, a.attempt_id, '0x' || encode(a.tx_hash, 'hex') AS tx_hash, a.block_number,
           a.gas_used, a.effective_gas_price, coalesce(to_jsonb(a) ->> 'rollup_fee', '0') AS rollup_fee, )sql" +
                                  kCallColumns + R"sql(
      FROM txrelay.withdrawals w
      JOIN txrelay.attempts a ON a.withdrawal_id = w.withdrawal_id AND a.status = 'included'
      JOIN txrelay.signature_requests s ON s.signature_request_id = a.signature_request_id
     WHERE w.status = 'cancelling' AND w.chain_id = $1
     ORDER BY a.block_number)sql";
  static const pg::Statement kDecided(kSql.c_str(), {INT8OID});
  const auto rows = kDecided.Run({pg::Int8Param(chain_id)});
  std::vector<CancelRace> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Text("withdrawal_id"), r.Text("attempt_id"), r.Text("tx_hash"), r.Text("gas_used"),
                   r.Text("effective_gas_price"), static_cast<std::uint64_t>(r.Int64("block_number")),
                   Pays(r), r.Text("rollup_fee")});
  }
  return out;
}

std::vector<WaitingAttempt> WaitingAttempts(std::int64_t chain_id, std::uint64_t latest,
                                            std::int64_t after_blocks, std::int64_t after_ms) {
  static const std::string kSql = R"sql(
    SELECT a.attempt_id, a.withdrawal_id, '0x' || encode(a.tx_hash, 'hex') AS tx_hash, a.from_address, a.nonce,
           greatest(0, $2 - a.first_seen_block) AS pending_blocks,
           extract(epoch FROM now() - coalesce(a.sent_at, a.created_at)) * 1000 >= $4 AS overdue_by_time,
           a.max_fee_per_gas, w.status = 'cancelling' AS cancelling, )sql" +
                                  kCallColumns + R"sql(
      FROM txrelay.attempts a
      JOIN txrelay.signature_requests s ON s.signature_request_id = a.signature_request_id
      JOIN txrelay.withdrawals w ON w.withdrawal_id = a.withdrawal_id
     WHERE a.chain_id = $1 AND a.status = 'sent'
       AND ($2 - a.first_seen_block >= $3 OR extract(epoch FROM now() - coalesce(a.sent_at, a.created_at)) * 1000 >= $4)
     ORDER BY a.from_address, a.nonce, a.created_at)sql";
  static const pg::Statement kDue(kSql.c_str(), {INT8OID, INT8OID, INT8OID, INT8OID});
  const auto rows = kDue.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(latest)),
                              pg::Int8Param(after_blocks), pg::Int8Param(after_ms)});
  std::vector<WaitingAttempt> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Text("attempt_id"), r.Text("withdrawal_id"), r.Text("tx_hash"), r.Text("from_address"),
                   static_cast<std::uint64_t>(r.Int64("nonce")),
                   static_cast<std::uint64_t>(r.Int64("pending_blocks")), r.Bool("overdue_by_time"),
                   r.Text("max_fee_per_gas"), r.Bool("cancelling") && Pays(r)});
  }
  return out;
}

std::vector<std::string> HashesAtNonce(std::int64_t chain_id, const std::string& from, std::uint64_t nonce) {
  static const pg::Statement kAt(R"sql(
    SELECT '0x' || encode(tx_hash, 'hex') AS tx_hash FROM txrelay.attempts
     WHERE chain_id = $1 AND from_address = $2 AND nonce = $3)sql",
                                 {INT8OID, TEXTOID, INT8OID});
  const auto rows = kAt.Run({pg::Int8Param(chain_id), pg::TextParam(from), pg::Int8Param(Signed(nonce))});
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back(rows[i].Text("tx_hash"));
  return out;
}

std::set<std::string> OursAmong(std::int64_t chain_id, const std::vector<std::string>& hashes) {
  static const pg::Statement kOurs(R"sql(
    SELECT '0x' || encode(a.tx_hash, 'hex') AS tx_hash FROM unnest($2::text[]) h
      JOIN txrelay.attempts a ON a.tx_hash = decode(substr(h, 3), 'hex') WHERE a.chain_id = $1)sql",
                                   {INT8OID, TEXTOID});
  const auto rows = kOurs.Run({pg::Int8Param(chain_id), pg::TextParam(HexArray(hashes))});
  std::set<std::string> mine;
  for (std::uint64_t i = 0; i < rows.size(); ++i) mine.insert(rows[i].Text("tx_hash"));
  return mine;
}

namespace {

// In a block and not final (the open-status index), or finalized by hand before completion; the
// rollup fee by name (a whole-row to_jsonb per row cost the tracker more than the rest of the
// query), or NULL on a 0.1.0 schema.
std::string OpenInclusionsSql(const char* rollup_fee) {
  return R"sql(
    SELECT w.withdrawal_id, w.status, w.completed_at IS NOT NULL AS completed, t.completion, a.block_number,
           a.receipt_status, a.gas_used, a.effective_gas_price, '0x' || encode(a.tx_hash, 'hex') AS tx_hash, )sql" +
         std::string(rollup_fee) + R"sql( AS rollup_fee
      FROM txrelay.withdrawals w JOIN txrelay.risk_tiers t ON t.tier = w.risk_tier
      JOIN txrelay.attempts a ON a.withdrawal_id = w.withdrawal_id AND a.status = 'included'
     WHERE w.chain_id = $1
       AND ((w.status <> ALL ()sql" +
         StatusArraySql(StatusSet::kFinal) + R"sql() AND w.status = ANY ()sql" +
         StatusArraySql(StatusSet::kPaid) +
         R"sql())
            OR (w.status = 'finalized' AND w.completed_at IS NULL))
     ORDER BY a.block_number)sql";
}

}  // namespace

std::vector<OpenInclusion> OpenInclusions(std::int64_t chain_id) {
  static const std::string kSql = OpenInclusionsSql("a.rollup_fee::text");
  static const std::string kSql01 = OpenInclusionsSql("NULL::text");
  static const pg::Statement kOpen(kSql.c_str(), {INT8OID});
  static const pg::Statement kOpen01(kSql01.c_str(), {INT8OID});
  const auto rows = (RollupFeePresent() ? kOpen : kOpen01).Run({pg::Int8Param(chain_id)});
  std::vector<OpenInclusion> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Text("withdrawal_id"), r.Text("status"), r.Text("completion"), r.Text("tx_hash"),
                   r.Bool("completed"), static_cast<std::uint64_t>(r.Int64("block_number")),
                   static_cast<int>(r.Int64("receipt_status")), r.OptionalText("gas_used"),
                   r.OptionalText("effective_gas_price"), r.OptionalText("rollup_fee")});
  }
  return out;
}

std::optional<BumpCandidate> FindBumpCandidate(const std::string& attempt_id) {
  static const std::string kSql = R"sql(
    SELECT a.withdrawal_id, a.from_address, a.nonce, n.nonce_key, a.max_fee_per_gas, a.max_priority_fee_per_gas,
           s.to_address, s.value, s.data, d.signer IS NOT NULL AS has_signer,
           )sql" + kNewerAttemptAtNonce +
                                  R"sql(
           OR EXISTS (SELECT FROM txrelay.signature_requests p
                       WHERE p.chain_id = a.chain_id AND p.from_address = a.from_address AND p.nonce = a.nonce
                         AND p.kind = 'fee_bump' AND p.status = 'pending') AS bump_underway,
           EXISTS (SELECT FROM txrelay.withdrawal_events e
                    WHERE e.withdrawal_id = a.withdrawal_id AND e.event = 'fee_bump_at_cap'
                      AND e.detail ->> 'attempt_id' = a.attempt_id::text) AS stopped_at_cap,
           (SELECT count(*) FROM txrelay.signature_requests p
             WHERE p.chain_id = a.chain_id AND p.from_address = a.from_address AND p.nonce = a.nonce
               AND p.kind = 'fee_bump') AS bumps_at_nonce
      FROM txrelay.attempts a
      JOIN txrelay.signature_requests s USING (signature_request_id)
      JOIN txrelay.nonce_reservations n ON n.chain_id = a.chain_id AND n.from_address = a.from_address
                                       AND n.nonce = a.nonce
      JOIN txrelay.senders d ON d.chain_id = a.chain_id AND d.address = a.from_address
     WHERE a.attempt_id = $1::uuid)sql";
  static const pg::Statement kAttempt(kSql.c_str(), {TEXTOID});
  const auto rows = kAttempt.Run({pg::TextParam(attempt_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  BumpCandidate c;
  c.withdrawal_id = r.Text("withdrawal_id");
  c.from_address = r.Text("from_address");
  c.nonce = r.Int64("nonce");
  c.nonce_key = r.Text("nonce_key");
  c.max_fee_per_gas = r.Text("max_fee_per_gas");
  c.max_priority_fee_per_gas = r.Text("max_priority_fee_per_gas");
  c.to_address = r.Text("to_address");
  c.value = r.Text("value");
  c.data = r.Bytes("data");
  c.has_signer = r.Bool("has_signer");
  c.bump_underway = r.Bool("bump_underway");
  c.stopped_at_cap = r.Bool("stopped_at_cap");
  c.bumps_at_nonce = r.Int64("bumps_at_nonce");
  return c;
}

}  // namespace txrelay::store
