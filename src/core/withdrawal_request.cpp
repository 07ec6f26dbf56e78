#include "core/withdrawal_request.hpp"

#include "core/canonical.hpp"

namespace txrelay {

Hash32 RequestFingerprint(const WithdrawalRequest& r) {
  return CanonicalEncoder("txrelay.withdrawal_request.v1")
      .Text(r.account)
      .Int(r.chain_id)
      .Text(r.asset)
      .Text(r.to_address)
      .Text(r.amount)
      .Text(r.risk_tier)
      .Text(r.metadata)
      .Hash();
}

std::vector<std::string> DifferingFields(const WithdrawalRequest& a, const WithdrawalRequest& b) {
  std::vector<std::string> out;
  if (a.account != b.account) out.emplace_back("account");
  if (a.chain_id != b.chain_id) out.emplace_back("chain_id");
  if (a.asset != b.asset) out.emplace_back("asset");
  if (a.to_address != b.to_address) out.emplace_back("to_address");
  if (a.amount != b.amount) out.emplace_back("amount");
  if (a.risk_tier != b.risk_tier) out.emplace_back("risk_tier");
  if (a.metadata != b.metadata) out.emplace_back("metadata");
  return out;
}

}  // namespace txrelay
