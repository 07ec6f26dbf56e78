#include "bgworker/audit.hpp"

#include "core/rpc/send_error.hpp"
#include "pg/spi.hpp"

namespace txrelay::bgworker {

namespace {

std::string ReplyJson(const rpc::Reply& r) {
  nlohmann::json j = {{"jsonrpc", "2.0"}, {"id", r.id}};
  if (r.is_error) {
    j["error"] = {{"code", r.error_code}, {"message", r.error_message}};
  } else {
    j["result"] = r.result;
  }
  return j.dump();
}

}  // namespace

void WriteAudit(const Exchange& ex) {
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.rpc_calls (correlation_id, endpoint_id, target, chain_id, method, request, "
      "response, "
      "http_status, outcome, error_class, latency_ms, withdrawal_id, attempt_id, idempotency_key, nonce_key, "
      "tx_hash, "
      "started_at) VALUES ($1::uuid, nullif($2, 0), $3, $4, $5, $6, $7, nullif($8, 0), $9, $10, $11, "
      "$12::uuid, "
      "$13::uuid, $14, $15, decode(substr($16, 3), 'hex'), to_timestamp($17 / 1000.0))",
      {TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, FLOAT8OID,
       TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID});
  for (const HttpRecord& rec : ex.records) {
    const bool last = &rec == &ex.records.back();
    for (std::size_t i = 0; i < ex.calls.size(); ++i) {
      const rpc::Call& call = ex.calls[i];
      const CallIds& ids = i < ex.ids.size() ? ex.ids[i] : CallIds{};
      std::string outcome(rpc::Name(rec.outcome));
      std::string response = rec.response_body;
      std::optional<std::string> klass;
      if (last && ex.replies && i < ex.replies->size()) {
        const rpc::Reply& reply = (*ex.replies)[i];
        response = ReplyJson(reply);
        if (reply.is_error) {
          outcome = "rpc_error";
          if (call.method == "eth_sendRawTransaction") {
            klass = std::string(rpc::Name(rpc::ClassifySendError(reply.error_code, reply.error_message)));
          }
        }
      } else if (!rec.transport_error.empty()) {
        response = rec.transport_error;
      }
      kInsert.Run({pg::TextParam(rec.correlation_id), pg::Int8Param(rec.endpoint_id),
                   pg::TextParam(rec.target), pg::OptionalInt8Param(ids.chain_id), pg::TextParam(call.method),
                   pg::TextParam(rpc::EncodeRequest({call})), pg::TextParam(response),
                   pg::Int4Param(static_cast<int>(rec.http_status)), pg::TextParam(outcome),
                   pg::OptionalTextParam(klass), pg::Float8Param(rec.latency_ms),
                   pg::OptionalTextParam(ids.withdrawal_id), pg::OptionalTextParam(ids.attempt_id),
                   pg::OptionalTextParam(ids.idempotency_key), pg::OptionalTextParam(ids.nonce_key),
                   pg::OptionalTextParam(ids.tx_hash), pg::Int8Param(rec.started_at_ms)});
    }
  }
}

}  // namespace txrelay::bgworker
