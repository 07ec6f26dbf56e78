#include "core/rpc/audit_body.hpp"

#include <nlohmann/json.hpp>

namespace txrelay::rpc {

std::string AuditBody(std::string_view body) {
  if (body.empty()) return "";
  const bool json = nlohmann::json::accept(body.begin(), body.end());
  if (json && body.size() <= kMaxAuditJsonBody) return std::string(body);
  return "not kept: " + std::to_string(body.size()) + " bytes, " + (json ? "JSON" : "not JSON");
}

}  // namespace txrelay::rpc
