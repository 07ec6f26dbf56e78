#include "core/error.hpp"
#include "api/lookups.hpp"
#include "pg/spi.hpp"
#include "store/config.hpp"

namespace txrelay::api {

namespace {

Error Unknown(const std::string& what, const std::string& hint) {
  return Error(sqlstate::kUnknownReference, "unknown " + what, {}, hint);
}

}  // namespace

void RequireChain(std::int64_t chain_id) {
  static const pg::Statement kFind("SELECT 1 FROM txrelay.chains WHERE chain_id = $1", {INT8OID});
  if (kFind.Run({pg::Int8Param(chain_id)}).empty()) {
    throw Unknown("chain_id " + std::to_string(chain_id), "Add the chain with txrelay.add_chain.");
  }
}

AssetInfo RequireAsset(std::int64_t chain_id, const std::string& symbol) {
  RequireChain(chain_id);
  const auto asset = store::FindAsset(chain_id, symbol);
  if (!asset) {
    throw Unknown("asset " + Quote(symbol) + " on chain " + std::to_string(chain_id),
                  "Add the asset with txrelay.add_asset; asset symbols are case-sensitive.");
  }
  return AssetInfo{asset->symbol, asset->contract, static_cast<int>(asset->decimals)};
}

RiskTierInfo RequireRiskTier(const std::string& tier) {
  const auto row = store::FindRiskTier(tier);
  if (!row) throw Unknown("risk_tier " + Quote(tier), "Define the tier with txrelay.set_risk_tier.");
  return RiskTierInfo{row->tier, row->auto_approve_below, row->completion, row->daily.sum, row->daily.count};
}

void RequireSigner(const std::string& name) {
  static const pg::Statement kFind("SELECT 1 FROM txrelay.signers WHERE name = $1", {TEXTOID});
  if (kFind.Run({pg::TextParam(name)}).empty()) {
    throw Unknown("signer " + Quote(name), "Add the signer with txrelay.add_signer.");
  }
}

}  // namespace txrelay::api
