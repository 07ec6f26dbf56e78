#include "store/rpc_calls.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

void InsertRpcCall(const RpcCallRow& c) {
  static const pg::Statement kInsert(
      R"sql(
    INSERT INTO txrelay.rpc_calls (correlation_id, endpoint_id, target, chain_id, method, request, response,
                                   http_status, outcome, error_class, latency_ms, withdrawal_id, attempt_id,
                                   idempotency_key, nonce_key, tx_hash, started_at)
    VALUES ($1::uuid, nullif($2, 0), $3, $4, $5, $6, $7, nullif($8, 0), $9, $10, $11, $12::uuid, $13::uuid, $14, $15,
            decode(substr($16, 3), 'hex'), to_timestamp($17 / 1000.0)))sql",
      {TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, FLOAT8OID,
       TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID});
  kInsert.Run({pg::TextParam(c.correlation_id), pg::Int8Param(c.endpoint_id), pg::TextParam(c.target),
               pg::OptionalInt8Param(c.chain_id), pg::TextParam(c.method), pg::TextParam(c.request),
               pg::TextParam(c.response), pg::Int4Param(static_cast<int>(c.http_status)),
               pg::TextParam(c.outcome), pg::OptionalTextParam(c.error_class), pg::Float8Param(c.latency_ms),
               pg::OptionalTextParam(c.withdrawal_id), pg::OptionalTextParam(c.attempt_id),
               pg::OptionalTextParam(c.idempotency_key), pg::OptionalTextParam(c.nonce_key),
               pg::OptionalTextParam(c.tx_hash), pg::Int8Param(c.started_at_ms)});
}

}  // namespace txrelay::store
