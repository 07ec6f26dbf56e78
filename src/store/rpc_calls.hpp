// The append-only audit of RPC calls (DESIGN §6): one txrelay.rpc_calls row per JSON-RPC call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrelay::store {

struct RpcCallRow {
  std::string correlation_id;
  std::int64_t endpoint_id = 0;  // 0: a signer
  std::string target;            // the redacted URL
  std::optional<std::int64_t> chain_id;
  std::string method, request, response;
  long http_status = 0;  // 0: none
  std::string outcome;
  std::optional<std::string> error_class;
  double latency_ms = 0;
  std::optional<std::string> withdrawal_id, attempt_id, idempotency_key, nonce_key, tx_hash;
  std::int64_t started_at_ms = 0;
};
// The calls' rows in one statement, in their order.
void InsertRpcCalls(const std::vector<RpcCallRow>& calls);

}  // namespace txrelay::store
