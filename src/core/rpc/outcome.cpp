#include "core/rpc/outcome.hpp"

namespace txrelay::rpc {

std::string_view Name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kRpcError:
      return "rpc_error";
    case Outcome::kConnectFailed:
      return "connect_failed";
    case Outcome::kConnectTimeout:
      return "connect_timeout";
    case Outcome::kSendFailed:
      return "send_failed";
    case Outcome::kReadTimeout:
      return "read_timeout";
    case Outcome::kHttp429:
      return "http_429";
    case Outcome::kHttp5xx:
      return "http_5xx";
    case Outcome::kBadResponse:
      return "bad_response";
  }
  return "bad_response";
}

bool NothingSent(Outcome o) { return o == Outcome::kConnectFailed || o == Outcome::kConnectTimeout; }

bool OutcomeUnknown(Outcome o) { return o == Outcome::kSendFailed || o == Outcome::kReadTimeout; }

bool EndpointFault(Outcome o) {
  return NothingSent(o) || OutcomeUnknown(o) || o == Outcome::kHttp429 || o == Outcome::kHttp5xx ||
         o == Outcome::kBadResponse;
}

Outcome Classify(const TransportResult& t, bool json_rpc_ok, bool has_error_object) {
  using E = TransportResult::Error;
  switch (t.error) {
    case E::kConnectRefused:
      return Outcome::kConnectFailed;
    case E::kConnectTimeout:
      return Outcome::kConnectTimeout;
    case E::kTimeoutAfterConnect:
      return Outcome::kReadTimeout;
    case E::kSendOrReceive:
      return Outcome::kSendFailed;
    case E::kOther:
      return Outcome::kSendFailed;  // cannot tell whether the request arrived
    case E::kNone:
      break;
  }
  if (t.http_status == 429) return Outcome::kHttp429;
  if (t.http_status >= 500) return Outcome::kHttp5xx;
  if (!json_rpc_ok) return Outcome::kBadResponse;  // incl. other HTTP statuses without JSON-RPC
  return has_error_object ? Outcome::kRpcError : Outcome::kOk;
}

}  // namespace txrelay::rpc
