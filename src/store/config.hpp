// Configuration rows (DESIGN §3): chains, RPC endpoints, signers, senders, assets and risk
// tiers, as the operator functions of src/api/admin.cpp create and tune them. Functions that
// return a Datum return the row (its table's composite type) in the caller's memory context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/datum.hpp"

namespace txrelay::store {

// --- chains ---
struct ChainIdentity {
  std::string name, native_symbol;
  std::int64_t native_decimals = 0;
};
std::optional<ChainIdentity> FindChain(std::int64_t chain_id);
// Another chain with this name, if any.
std::optional<std::int64_t> ChainNamed(const std::string& name, std::int64_t other_than);
// The chain and its native asset.
void InsertChain(std::int64_t chain_id, const std::string& name, const std::string& symbol, int decimals);
Datum ChainRow(std::int64_t chain_id);

struct ChainTunables {
  std::string max_fee_per_gas_cap, max_priority_fee_cap;
  std::int64_t safe_depth = 0, finalized_depth = 0;
};
std::optional<ChainTunables> LockChainTunables(std::int64_t chain_id);
// NULL gas limit / finality mode: unchanged.
Datum UpdateChain(std::int64_t chain_id, const ChainTunables& tunables,
                  const std::optional<std::int64_t>& gas_limit,
                  const std::optional<std::string>& finality_mode);

// --- RPC endpoints ---
// Re-adding a URL updates its priority. Returns the endpoint_id.
std::int64_t UpsertEndpoint(std::int64_t chain_id, const std::string& url, const std::string& url_redacted,
                            std::int32_t priority);
struct EndpointTimeouts {
  std::int64_t connect_ms = 0, request_ms = 0;
};
std::optional<EndpointTimeouts> LockEndpointTimeouts(std::int64_t endpoint_id);
struct EndpointTunables {
  std::optional<bool> enabled;
  std::optional<std::int64_t> priority, max_requests_per_sec;
  EndpointTimeouts timeouts;
};
// Returns the endpoint without its URL (txrelay.rpc_endpoint_settings).
Datum UpdateEndpoint(std::int64_t endpoint_id, const EndpointTunables& tunables);

// --- signers, senders ---
// Re-adding a name replaces its URL (credential rotation).
void UpsertSigner(const std::string& name, const std::string& url, const std::string& url_redacted);
// nullopt: no such sender; otherwise its signer (nullopt inside: client-signed).
std::optional<std::optional<std::string>> FindSenderSigner(std::int64_t chain_id, const std::string& address);
void InsertSender(std::int64_t chain_id, const std::string& address, const std::optional<std::string>& signer,
                  const std::optional<std::int64_t>& next_nonce);
Datum SenderRow(std::int64_t chain_id, const std::string& address);
// nullopt: no such sender.
std::optional<Datum> SetSenderStatus(std::int64_t chain_id, const std::string& address,
                                     const std::string& status, const std::string& reason);

// --- assets, risk tiers ---
struct AssetRow {
  std::string symbol;
  std::optional<std::string> contract;
  std::int64_t decimals = 0;
};
std::optional<AssetRow> FindAsset(std::int64_t chain_id, const std::string& symbol);
// The asset of the chain with this contract (NULL: the native asset), if any.
std::optional<std::string> AssetWithContract(std::int64_t chain_id,
                                             const std::optional<std::string>& contract);
void InsertAsset(std::int64_t chain_id, const std::string& symbol, const std::optional<std::string>& contract,
                 int decimals);
Datum AssetRowDatum(std::int64_t chain_id, const std::string& symbol);

// The rolling 24-hour limits of auto-approval per account and asset (0.2.0). Read tolerantly:
// on a 0.1.0 schema (a new library before ALTER EXTENSION UPDATE) they are absent: no limit.
struct DailyLimits {
  std::optional<std::string> sum;  // decimal wei
  std::optional<std::int64_t> count;
};
struct RiskTierRow {
  std::string tier, auto_approve_below, completion;
  DailyLimits daily;
};
std::optional<RiskTierRow> FindRiskTier(const std::string& tier);
// `daily` NULL fields: kept on an update; on a new tier `default_sum_multiple` x
// auto_approve_below and `default_count`.
struct TierDefaults {
  std::int64_t sum_multiple = 0, count = 0;
};
// The same on a 0.1.0 schema, which has no daily limits (called through 0.1.0's declaration of
// set_risk_tier between a library upgrade and ALTER EXTENSION UPDATE).
Datum UpsertRiskTier01(const std::string& tier, const std::string& auto_approve_below,
                       const std::string& completion, const std::string& completion_level,
                       std::int32_t confirmations);
Datum UpsertRiskTier(const std::string& tier, const std::string& auto_approve_below,
                     const std::string& completion, const std::string& completion_level,
                     std::int32_t confirmations, const DailyLimits& daily, const TierDefaults& defaults);

}  // namespace txrelay::store
