#include "bgworker/audit.hpp"

#include "core/rpc/send_error.hpp"
#include "store/rpc_calls.hpp"

namespace txrelay::bgworker {

namespace {

constexpr std::size_t kMaxAuditReply = 64 * 1024;

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

namespace {

// The row of call `i` of the exchange's HTTP exchange `rec`: the JSON-RPC reply when this was the
// last exchange and it has one, else what came back on the wire.
store::RpcCallRow CallRow(const Exchange& ex, const HttpRecord& rec, std::size_t i, bool last) {
  const rpc::Call& call = ex.calls[i];
  const CallIds& ids = i < ex.ids.size() ? ex.ids[i] : CallIds{};
  store::RpcCallRow row;
  row.correlation_id = rec.correlation_id;
  row.endpoint_id = rec.endpoint_id;
  row.target = rec.target;
  row.chain_id = ids.chain_id;
  row.method = call.method;
  row.request = rpc::EncodeRequest({call});
  row.response = rec.response_body;
  row.http_status = rec.http_status;
  row.outcome = std::string(rpc::Name(rec.outcome));
  if (last && ex.replies && i < ex.replies->size()) {
    const rpc::Reply& reply = (*ex.replies)[i];
    row.response = ReplyJson(reply);
    if (row.response.size() > kMaxAuditReply) {  // a block's receipts can be megabytes
      row.response = "not kept: " + std::to_string(row.response.size()) + " bytes, JSON-RPC reply";
    }
    if (reply.is_error) {
      row.outcome = "rpc_error";
      if (call.method == "eth_sendRawTransaction") {
        row.error_class =
            std::string(rpc::Name(rpc::ClassifySendError(reply.error_code, reply.error_message)));
      }
    }
  } else if (!rec.transport_error.empty()) {
    row.response = rec.transport_error;
  }
  row.latency_ms = rec.latency_ms;
  row.withdrawal_id = ids.withdrawal_id;
  row.attempt_id = ids.attempt_id;
  row.idempotency_key = ids.idempotency_key;
  row.nonce_key = ids.nonce_key;
  row.tx_hash = ids.tx_hash;
  row.started_at_ms = rec.started_at_ms;
  return row;
}

}  // namespace

void WriteAudit(const std::vector<Exchange>& exchanges) {
  std::vector<store::RpcCallRow> rows;
  for (const Exchange& ex : exchanges) {
    for (const HttpRecord& rec : ex.records) {
      const bool last = &rec == &ex.records.back();
      for (std::size_t i = 0; i < ex.calls.size(); ++i) rows.push_back(CallRow(ex, rec, i, last));
    }
  }
  store::InsertRpcCalls(rows);
}

void WriteAudit(const Exchange& exchange) { WriteAudit(std::vector<Exchange>{exchange}); }

}  // namespace txrelay::bgworker
