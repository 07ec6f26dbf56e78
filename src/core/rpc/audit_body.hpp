// What the audit (txrelay.rpc_calls.response, readable by auditors) keeps of an HTTP body that held
// no JSON-RPC answer: an error page, a proxy's banner or garbage can carry anything, including an
// endpoint's secret echoed back, and can be megabytes long.
#pragma once

#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

inline constexpr std::size_t kMaxAuditJsonBody = 1024;

// A small JSON body (at most kMaxAuditJsonBody bytes, such as a provider's {"error": ...}) as it
// is; anything else as a summary of its size and kind: "not kept: 5321 bytes, not JSON".
std::string AuditBody(std::string_view body);

}  // namespace txrelay::rpc
