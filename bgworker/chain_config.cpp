#include "bgworker/chain_config.hpp"

#include <algorithm>

#include "pg/spi.hpp"
#include "store/capabilities.hpp"

namespace txrelay::bgworker {

bool LoadChainConfig(std::int64_t chain_id, ChainConfig& c) {
  static const pg::Statement kChain(
      "SELECT max_fee_per_gas_cap, max_priority_fee_cap, max_gas_limit, finality_mode, safe_depth, finalized_depth "
      "FROM txrelay.chains WHERE chain_id = $1",
      {INT8OID});
  static const pg::Statement kEndpoints(
      "SELECT endpoint_id, url, url_redacted, connect_timeout_ms, request_timeout_ms, max_requests_per_sec "
      "FROM txrelay.rpc_endpoints WHERE chain_id = $1 AND enabled ORDER BY priority, endpoint_id",
      {INT8OID});
  const auto chain = kChain.Run({pg::Int8Param(chain_id)});
  if (chain.empty()) return false;
  const auto r = chain.front();
  c.chain_id = chain_id;
  c.fee_cap = ParseAmount(r.Text("max_fee_per_gas_cap"), "max_fee_per_gas_cap", AmountRule::kNonNegative);
  c.tip_cap = ParseAmount(r.Text("max_priority_fee_cap"), "max_priority_fee_cap", AmountRule::kNonNegative);
  c.max_gas_limit = static_cast<std::uint64_t>(r.Int64("max_gas_limit"));
  c.finality_by_tags = r.Text("finality_mode") == "tags";
  c.safe_depth = static_cast<std::uint64_t>(r.Int64("safe_depth"));
  c.finalized_depth = static_cast<std::uint64_t>(r.Int64("finalized_depth"));
  c.endpoints.clear();
  const store::ChainCapabilities found = store::CapabilitiesOfChain(chain_id);
  c.block_receipts = found.block_receipts;
  c.tx_by_sender_and_nonce = found.tx_by_sender_and_nonce;
  const auto eps = kEndpoints.Run({pg::Int8Param(chain_id)});
  for (std::uint64_t i = 0; i < eps.size(); ++i) {
    Target t;
    t.endpoint_id = eps[i].Int64("endpoint_id");
    const auto& wrong = found.wrong_chain;  // an endpoint of another chain is never used (alerted)
    if (std::find(wrong.begin(), wrong.end(), t.endpoint_id) != wrong.end()) continue;
    t.url = eps[i].Text("url");
    t.redacted = eps[i].Text("url_redacted");
    t.connect_timeout_ms = eps[i].Int64("connect_timeout_ms");
    t.request_timeout_ms = eps[i].Int64("request_timeout_ms");
    t.max_requests_per_sec = static_cast<int>(eps[i].Int64("max_requests_per_sec"));
    c.endpoints.push_back(t);
  }
  return true;
}

}  // namespace txrelay::bgworker
