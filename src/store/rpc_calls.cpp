#include "store/rpc_calls.hpp"

#include <array>
#include <cstdio>

#include "pg/spi.hpp"

namespace txrelay::store {

namespace {

using Column = std::vector<std::optional<std::string>>;
constexpr int kColumns = 17;

// A call's values in the statement's column order, as text (NULL: none).
std::array<std::optional<std::string>, kColumns> Values(const RpcCallRow& c) {
  const auto opt_int = [](const std::optional<std::int64_t>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
  };
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.3f", c.latency_ms);
  return {c.correlation_id,
          std::to_string(c.endpoint_id),
          c.target,
          opt_int(c.chain_id),
          c.method,
          c.request,
          c.response,
          std::to_string(c.http_status),
          c.outcome,
          c.error_class,
          std::string(latency),
          c.withdrawal_id,
          c.attempt_id,
          c.idempotency_key,
          c.nonce_key,
          c.tx_hash,
          std::to_string(c.started_at_ms)};
}

}  // namespace

void InsertRpcCalls(const std::vector<RpcCallRow>& calls) {
  if (calls.empty()) return;
  // One statement for a round's calls: PostgreSQL prepares the table's CHECK constraints once
  // per statement, not once per row.
  static const pg::Statement kInsert(
      R"sql(
    INSERT INTO txrelay.rpc_calls (correlation_id, endpoint_id, target, chain_id, method, request, response,
                                   http_status, outcome, error_class, latency_ms, withdrawal_id, attempt_id,
                                   idempotency_key, nonce_key, tx_hash, started_at)
    SELECT c::uuid, nullif(e::bigint, 0), t, ch::bigint, m, rq, rs, nullif(h::int, 0), o, ec, l::float8, w::uuid,
           a::uuid, k, nk, decode(substr(x, 3), 'hex'), to_timestamp(s::bigint / 1000.0)
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
                  $16::text[], $17::text[]) WITH ORDINALITY u (c, e, t, ch, m, rq, rs, h, o, ec, l, w, a, k, nk, x, s, n)
     ORDER BY n)sql",
      {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
       TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
       TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<Column> columns(kColumns);
  for (const RpcCallRow& c : calls) {
    auto values = Values(c);
    for (int k = 0; k < kColumns; ++k) columns[k].push_back(std::move(values[k]));
  }
  const auto p = [&](int k) { return pg::OptionalTextArrayParam(columns[k]); };
  kInsert.Run({p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9), p(10), p(11), p(12), p(13), p(14),
               p(15), p(16)});
}

}  // namespace txrelay::store
