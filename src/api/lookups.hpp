// Configuration lookups shared by the API functions. An unknown chain, asset, risk tier or
// signer is Error TR009, naming what is missing and how to add it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace txrelay::api {

void RequireChain(std::int64_t chain_id);

struct AssetInfo {
  std::string symbol;
  std::optional<std::string> contract;  // EIP-55; none for the native asset
  int decimals = 18;
};
// Checks the chain, then the asset.
AssetInfo RequireAsset(std::int64_t chain_id, const std::string& symbol);

struct RiskTierInfo {
  std::string tier;
  std::string auto_approve_below;  // decimal
  std::string completion;
  // Auto-approval per account and asset in any 24 hours; absent on a 0.1.0 schema (no limit).
  std::optional<std::string> daily_sum;  // decimal
  std::optional<std::int64_t> daily_count;
};
RiskTierInfo RequireRiskTier(const std::string& tier);

void RequireSigner(const std::string& name);

}  // namespace txrelay::api
