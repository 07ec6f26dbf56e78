// The append-only audit of RPC calls (DESIGN §6): one txrelay.rpc_calls row per JSON-RPC call,
// with its raw request and reply, outcome class, latency and the identifiers of the work.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bgworker/rpc_gateway.hpp"

namespace txrelay::bgworker {

// Writes every call of every HTTP exchange of the exchanges, in one statement (inside the caller's
// transaction). An eth_sendRawTransaction error is recorded with its send-error class (DESIGN §6
// table).
void WriteAudit(const std::vector<Exchange>& exchanges);
void WriteAudit(const Exchange& exchange);

}  // namespace txrelay::bgworker
