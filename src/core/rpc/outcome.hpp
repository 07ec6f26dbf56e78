// The outcome classes of one RPC call (DESIGN §6): what happened on the wire, which decides
// what the caller may do next. A timeout after the request left is not a failure but "unknown".
#pragma once

#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

enum class Outcome {
  kOk,              // a JSON-RPC result
  kRpcError,        // a JSON-RPC error object: classified further by the caller
  kConnectFailed,   // nothing reached the endpoint: retry at once, on another endpoint
  kConnectTimeout,  // same
  kSendFailed,      // the request may have been processed: unknown
  kReadTimeout,     // same
  kHttp429,         // throttled
  kHttp5xx,         // endpoint fault
  kBadResponse,     // not JSON-RPC: treat as an endpoint fault
};

std::string_view Name(Outcome outcome);

// Nothing reached the endpoint, so trying another one is always safe.
bool NothingSent(Outcome outcome);
// The request may have been processed: check the status before doing anything else.
bool OutcomeUnknown(Outcome outcome);
// The endpoint is at fault (counts against its circuit breaker; fail over).
bool EndpointFault(Outcome outcome);

// What the transport reported, before any JSON is read.
struct TransportResult {
  enum class Error { kNone, kConnectRefused, kConnectTimeout, kTimeoutAfterConnect, kSendOrReceive, kOther };
  Error error = Error::kNone;
  long http_status = 0;
};

// Classifies a finished HTTP exchange. `json_rpc_ok` says whether the body parsed as a JSON-RPC
// response (single or batch); `has_error_object` whether it (all items, for a batch) carries an
// error.
Outcome Classify(const TransportResult& transport, bool json_rpc_ok, bool has_error_object);

}  // namespace txrelay::rpc
