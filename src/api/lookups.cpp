#include "core/error.hpp"
#include "core/keccak.hpp"
#include "api/lookups.hpp"
#include "pg/spi.hpp"

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
  static const pg::Statement kFind(
      "SELECT symbol, contract, decimals FROM txrelay.assets WHERE chain_id = $1 AND symbol = $2",
      {INT8OID, TEXTOID});
  const auto rows = kFind.Run({pg::Int8Param(chain_id), pg::TextParam(symbol)});
  if (rows.empty()) {
    throw Unknown("asset " + Quote(symbol) + " on chain " + std::to_string(chain_id),
                  "Add the asset with txrelay.add_asset; asset symbols are case-sensitive.");
  }
  const auto row = rows.front();
  return AssetInfo{row.Text(0), row.OptionalText(1), static_cast<int>(row.Int64(2))};
}

RiskTierInfo RequireRiskTier(const std::string& tier) {
  static const pg::Statement kFind(
      "SELECT tier, auto_approve_below, completion FROM txrelay.risk_tiers WHERE tier = $1", {TEXTOID});
  const auto rows = kFind.Run({pg::TextParam(tier)});
  if (rows.empty()) {
    throw Unknown("risk_tier " + Quote(tier), "Define the tier with txrelay.set_risk_tier.");
  }
  const auto row = rows.front();
  return RiskTierInfo{row.Text(0), row.Text(1), row.Text(2)};
}

void RequireSigner(const std::string& name) {
  static const pg::Statement kFind("SELECT 1 FROM txrelay.signers WHERE name = $1", {TEXTOID});
  if (kFind.Run({pg::TextParam(name)}).empty()) {
    throw Unknown("signer " + Quote(name), "Add the signer with txrelay.add_signer.");
  }
}

void LockKey(KeyKind kind, const std::string& key) {
  // 0x74720000 + kind: "tr" in the high bytes keeps txrelay's locks apart from an application's.
  constexpr std::int32_t kClassBase = 0x74720000;
  const Hash32 h = Keccak256(key);
  const std::int32_t object = static_cast<std::int32_t>(
      std::uint32_t(h[0]) << 24 | std::uint32_t(h[1]) << 16 | std::uint32_t(h[2]) << 8 | std::uint32_t(h[3]));
  static const pg::Statement kLock("SELECT pg_catalog.pg_advisory_xact_lock($1, $2)", {INT4OID, INT4OID});
  kLock.Run({pg::Int4Param(kClassBase + static_cast<std::int32_t>(kind)), pg::Int4Param(object)});
}

}  // namespace txrelay::api
