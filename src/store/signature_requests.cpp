#include "store/signature_requests.hpp"

#include "core/hex.hpp"
#include "pg/spi.hpp"

namespace txrelay::store {

std::string CreateSignatureRequest(const std::string& withdrawal_id, const std::string& kind,
                                   std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                   const SignatureCall& call) {
  static const pg::Statement kCreate(
      R"sql(
    INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data)
    VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::numeric, $8) RETURNING signature_request_id)sql",
      {TEXTOID, TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, BYTEAOID});
  return kCreate
      .Run({pg::TextParam(withdrawal_id), pg::TextParam(kind), pg::Int8Param(chain_id),
            pg::TextParam(from_address), pg::Int8Param(nonce), pg::TextParam(call.to_address),
            pg::TextParam(call.value), pg::ByteaParam(call.data.data(), call.data.size())})
      .front()
      .Text("signature_request_id");
}

std::vector<std::string> CreatePaymentRequests(std::int64_t chain_id, const std::string& from_address,
                                               std::int64_t first_nonce,
                                               const std::vector<PaymentRequest>& requests) {
  static const pg::Statement kCreate(
      R"sql(
    INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data)
    SELECT w::uuid, 'withdrawal', $1, $2, $3 + n - 1, t, v::numeric, decode(d, 'hex')
      FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY u (w, t, v, d, n) ORDER BY n
    RETURNING signature_request_id, nonce)sql",
      {INT8OID, TEXTOID, INT8OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> columns[4];
  for (const PaymentRequest& r : requests) {
    columns[0].push_back(r.withdrawal_id);
    columns[1].push_back(r.call.to_address);
    columns[2].push_back(r.call.value);
    columns[3].push_back(ToHex(r.call.data, false));
  }
  const auto rows =
      kCreate.Run({pg::Int8Param(chain_id), pg::TextParam(from_address), pg::Int8Param(first_nonce),
                   pg::TextArrayParam(columns[0]), pg::TextArrayParam(columns[1]),
                   pg::TextArrayParam(columns[2]), pg::TextArrayParam(columns[3])});
  std::vector<std::string> ids(requests.size());
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    ids.at(static_cast<std::size_t>(rows[i].Int64("nonce") - first_nonce)) =
        rows[i].Text("signature_request_id");
  }
  return ids;
}

std::string CreateReplacingRequest(const std::string& withdrawal_id, const std::string& kind,
                                   std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                   const SignatureCall& call, const std::string& replaces_attempt_id,
                                   const std::string& min_max_fee_per_gas,
                                   const std::string& min_max_priority_fee_per_gas) {
  static const pg::Statement kRequest(
      R"sql(
    INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data,
                                            replaces_attempt_id, min_max_fee_per_gas, min_max_priority_fee_per_gas)
    VALUES ($1::uuid, $11, $2, $3, $4, $5, $6::numeric, $7, $8::uuid, $9::numeric, $10::numeric)
    RETURNING signature_request_id)sql",
      {TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, BYTEAOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  return kRequest
      .Run({pg::TextParam(withdrawal_id), pg::Int8Param(chain_id), pg::TextParam(from_address),
            pg::Int8Param(nonce), pg::TextParam(call.to_address), pg::TextParam(call.value),
            pg::ByteaParam(call.data.data(), call.data.size()), pg::TextParam(replaces_attempt_id),
            pg::TextParam(min_max_fee_per_gas), pg::TextParam(min_max_priority_fee_per_gas),
            pg::TextParam(kind)})
      .front()
      .Text("signature_request_id");
}

std::vector<RequestAtNonce> PaymentRequestsAt(std::int64_t chain_id, const std::string& from_address,
                                              std::int64_t first, std::int64_t last) {
  static const pg::Statement kAt(R"sql(
    SELECT s.nonce, s.withdrawal_id, w.idempotency_key, w.status, s.to_address, s.value, s.data
      FROM txrelay.signature_requests s JOIN txrelay.withdrawals w ON w.withdrawal_id = s.withdrawal_id
     WHERE s.chain_id = $1 AND s.from_address = $2 AND s.nonce >= $3 AND s.nonce < $4 AND s.kind = 'withdrawal'
     ORDER BY s.nonce, s.created_at)sql",
                                 {INT8OID, TEXTOID, INT8OID, INT8OID});
  const auto rows = kAt.Run(
      {pg::Int8Param(chain_id), pg::TextParam(from_address), pg::Int8Param(first), pg::Int8Param(last)});
  std::vector<RequestAtNonce> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Int64("nonce"), r.Text("withdrawal_id"), r.Text("idempotency_key"), r.Text("status"),
                   SignatureCall{r.Text("to_address"), r.Text("value"), r.Bytes("data")}});
  }
  return out;
}

std::optional<std::string> WithdrawalOfRequest(const std::string& signature_request_id) {
  static const pg::Statement kOwner(
      "SELECT withdrawal_id FROM txrelay.signature_requests WHERE signature_request_id = $1::uuid",
      {TEXTOID});
  const auto rows = kOwner.Run({pg::TextParam(signature_request_id)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Text("withdrawal_id");
}

std::map<std::string, std::string> WithdrawalsOfRequests(
    const std::vector<std::string>& signature_request_ids) {
  static const pg::Statement kOwners(R"sql(
    SELECT signature_request_id, withdrawal_id FROM txrelay.signature_requests
     WHERE signature_request_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)))sql",
                                     {TEXTARRAYOID});
  return kOwners.Run({pg::TextArrayParam(signature_request_ids)})
      .TextMap("signature_request_id", "withdrawal_id");
}

namespace {

// What submit_signed checks a request against, locked (one request, or a round's in id order).
#define TXRELAY_LOCK_REQUESTS_SQL(where)                                                                     \
  "SELECT s.signature_request_id, s.withdrawal_id, s.kind, s.status, s.chain_id, s.from_address, "           \
  "       s.nonce, s.to_address, s.value, s.data, c.max_fee_per_gas_cap, c.max_priority_fee_cap, "           \
  "       c.max_gas_limit, s.min_max_fee_per_gas, s.min_max_priority_fee_per_gas, r.kind AS replaced_kind, " \
  "       (SELECT a.attempt_id FROM txrelay.attempts a "                                                     \
  "         WHERE a.chain_id = s.chain_id AND a.from_address = s.from_address AND a.nonce = s.nonce "        \
  "           AND a.status = 'included') AS included_attempt "                                               \
  "  FROM txrelay.signature_requests s JOIN txrelay.chains c USING (chain_id) "                              \
  "  LEFT JOIN txrelay.attempts p ON p.attempt_id = s.replaces_attempt_id "                                  \
  "  LEFT JOIN txrelay.signature_requests r ON r.signature_request_id = p.signature_request_id "             \
  " WHERE " where " ORDER BY s.signature_request_id FOR UPDATE OF s"

LockedRequest LockedFrom(const pg::Row& r) {
  LockedRequest q;
  q.withdrawal_id = r.Text("withdrawal_id");
  q.kind = r.Text("kind");
  q.status = r.Text("status");
  q.chain_id = r.Int64("chain_id");
  q.from_address = r.Text("from_address");
  q.nonce = r.Int64("nonce");
  q.call = SignatureCall{r.Text("to_address"), r.Text("value"), r.Bytes("data")};
  q.max_fee_per_gas_cap = r.Text("max_fee_per_gas_cap");
  q.max_priority_fee_cap = r.Text("max_priority_fee_cap");
  q.max_gas_limit = r.Int64("max_gas_limit");
  q.min_max_fee_per_gas = r.OptionalText("min_max_fee_per_gas");
  q.min_max_priority_fee_per_gas = r.OptionalText("min_max_priority_fee_per_gas");
  q.replaced_kind = r.OptionalText("replaced_kind");
  q.included_attempt = r.OptionalText("included_attempt");
  return q;
}

}  // namespace

std::optional<LockedRequest> LockSignatureRequest(const std::string& signature_request_id) {
  static const pg::Statement kLock(TXRELAY_LOCK_REQUESTS_SQL("s.signature_request_id = $1::uuid"), {TEXTOID});
  const auto rows = kLock.Run({pg::TextParam(signature_request_id)});
  if (rows.empty()) return std::nullopt;
  return LockedFrom(rows.front());
}

std::map<std::string, LockedRequest> LockSignatureRequests(
    const std::vector<std::string>& signature_request_ids) {
  static const pg::Statement kLock(
      TXRELAY_LOCK_REQUESTS_SQL("s.signature_request_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid))"),
      {TEXTARRAYOID});
  const auto rows = kLock.Run({pg::TextArrayParam(signature_request_ids)});
  std::map<std::string, LockedRequest> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i)
    out.emplace(rows[i].Text("signature_request_id"), LockedFrom(rows[i]));
  return out;
}

void MarkSigned(const std::string& signature_request_id) {
  static const pg::Statement kSigned(R"sql(
    UPDATE txrelay.signature_requests SET status = 'signed', updated_at = now()
     WHERE signature_request_id = $1::uuid)sql",
                                     {TEXTOID});
  kSigned.Run({pg::TextParam(signature_request_id)});
}

void MarkSignedMany(const std::vector<std::string>& signature_request_ids) {
  static const pg::Statement kSigned(R"sql(
    UPDATE txrelay.signature_requests SET status = 'signed', updated_at = now()
     WHERE signature_request_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)))sql",
                                     {TEXTARRAYOID});
  kSigned.Run({pg::TextArrayParam(signature_request_ids)});
}

void CancelPendingRequests(const std::string& withdrawal_id) {
  static const pg::Statement kCancel(R"sql(
    UPDATE txrelay.signature_requests SET status = 'cancelled', updated_at = now()
     WHERE withdrawal_id = $1::uuid AND status = 'pending')sql",
                                     {TEXTOID});
  kCancel.Run({pg::TextParam(withdrawal_id)});
}

}  // namespace txrelay::store
