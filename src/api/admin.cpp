// Configuration functions (operator role): chains, endpoints, signers, senders, assets, risk
// tiers. Each validates every argument first; re-adding identical configuration is a no-op that
// returns the existing row, while a conflicting re-add is 23505 and changes nothing. Settings
// that operators tune (endpoint priority, signer URL, tier policy) are updated in place.

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/completion.hpp"
#include "core/endpoint_url.hpp"
#include "core/error.hpp"
#include "core/eth/transaction.hpp"
#include "core/text_rules.hpp"
#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "store/config.hpp"

using namespace txrelay;
using api::RequireChain;
using api::RequireSigner;

namespace {

constexpr std::size_t kMaxChainNameChars = 63;
constexpr std::size_t kMaxSymbolChars = 16;
constexpr std::size_t kMaxConfigNameChars = 63;

std::int64_t CheckChainId(const pg::Args& args, int i) {
  const std::int64_t chain_id = args.Int64(i, "chain_id");
  // The largest chain id EIP-155 can carry in a legacy v (chain_id * 2 + 36 < 2^64).
  if (chain_id <= 0 || static_cast<std::uint64_t>(chain_id) > eth::kMaxChainId) {
    throw InvalidArgument("chain_id", "is out of range",
                          "Got " + std::to_string(chain_id) + "; a chain id is 1 to 2^63 - 37 (EIP-155).");
  }
  return chain_id;
}

Error AlreadyExists(const std::string& what, const std::string& detail) {
  return Error(sqlstate::kUniqueViolation, what + " already exists with different settings", detail,
               "Configuration rows are not silently overwritten; use another key or keep the "
               "existing settings.");
}

}  // namespace

// add_chain(chain_id, name, native_symbol, native_decimals) -> chains; also adds the native asset.
TXRELAY_SQL_FUNCTION(txrelay_add_chain) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string name = CheckIdentifier(args.Text(1, "name"), "name", kMaxChainNameChars);
  const std::string symbol =
      CheckName(args.Text(2, "native_symbol"), "native_symbol", kMaxSymbolChars, false);
  const int decimals =
      static_cast<int>(CheckRange(args.Int32(3, "native_decimals"), "native_decimals", 0, 77));

  pg::SpiConnection spi;
  if (const auto existing = store::FindChain(chain_id)) {
    if (existing->name != name || existing->native_symbol != symbol ||
        existing->native_decimals != decimals) {
      throw AlreadyExists("chain_id " + std::to_string(chain_id),
                          "Existing: name " + Quote(existing->name) + ", native_symbol " +
                              Quote(existing->native_symbol) + ", native_decimals " +
                              std::to_string(existing->native_decimals) + ".");
    }
  } else if (const auto taken = store::ChainNamed(name, chain_id)) {
    throw Error(sqlstate::kUniqueViolation, "name " + Quote(name) + " is already used",
                "Chain " + std::to_string(*taken) + " has this name.");
  } else {
    store::InsertChain(chain_id, name, symbol, decimals);
  }
  return store::ChainRow(chain_id);
}

namespace {

struct ChainChanges {
  std::optional<Uint256> fee_cap, tip_cap;
  std::optional<std::int64_t> gas_limit, safe_depth, finalized_depth;
  std::optional<std::string> mode;
};

ChainChanges ChainChangeArgs(const pg::Args& args) {
  auto amount = [&](int i, const char* name) -> std::optional<Uint256> {
    const auto text = args.OptionalNumericText(i);
    if (!text) return std::nullopt;
    return ParseAmount(*text, name, AmountRule::kNonNegative);
  };
  auto depth = [&](int i, const char* name) -> std::optional<std::int64_t> {
    if (args.IsNull(i)) return std::nullopt;
    return CheckRange(args.Int32(i, name), name, 0, 1000000);
  };
  ChainChanges c{amount(1, "max_fee_per_gas_cap"),
                 amount(2, "max_priority_fee_cap"),
                 args.OptionalInt64(3),
                 depth(5, "safe_depth"),
                 depth(6, "finalized_depth"),
                 args.OptionalText(4, "finality_mode")};
  if (c.fee_cap && c.fee_cap->is_zero()) {
    throw InvalidArgument("max_fee_per_gas_cap", "must be positive",
                          "A cap of 0 would refuse every transaction.");
  }
  if (c.gas_limit) CheckRange(*c.gas_limit, "max_gas_limit", 21000, 1000000000);
  if (c.mode && *c.mode != "tags" && *c.mode != "depth") {
    throw InvalidArgument("finality_mode", "must be 'tags' or 'depth'", "Got " + Quote(*c.mode) + ".");
  }
  return c;
}

// The chain's tunables after the changes, checked against each other so that the error names the
// argument, not a table constraint.
store::ChainTunables Merge(const store::ChainTunables& current, const ChainChanges& c) {
  const Uint256 fee = c.fee_cap.value_or(
      ParseAmount(current.max_fee_per_gas_cap, "max_fee_per_gas_cap", AmountRule::kNonNegative));
  const Uint256 tip = c.tip_cap.value_or(
      ParseAmount(current.max_priority_fee_cap, "max_priority_fee_cap", AmountRule::kNonNegative));
  if (tip > fee) {
    throw InvalidArgument(
        c.tip_cap ? "max_priority_fee_cap" : "max_fee_per_gas_cap",
        c.tip_cap ? "must not exceed max_fee_per_gas_cap" : "must not be below max_priority_fee_cap",
        "The caps would be " + ToDecimal(fee) + " (max fee) and " + ToDecimal(tip) +
            " (priority fee) wei per gas.");
  }
  const std::int64_t safe = c.safe_depth.value_or(current.safe_depth);
  const std::int64_t final_depth = c.finalized_depth.value_or(current.finalized_depth);
  if (final_depth < safe) {
    throw InvalidArgument(
        c.finalized_depth ? "finalized_depth" : "safe_depth",
        c.finalized_depth ? "must not be below safe_depth" : "must not exceed finalized_depth",
        "The depths would be " + std::to_string(safe) + " (safe) and " + std::to_string(final_depth) +
            " (finalized) blocks.");
  }
  return store::ChainTunables{ToDecimal(fee), ToDecimal(tip), safe, final_depth};
}

}  // namespace

// set_chain(chain_id, max_fee_per_gas_cap, max_priority_fee_cap, max_gas_limit, finality_mode,
// safe_depth, finalized_depth) -> chains: tunes a chain's fee caps and finality rule; NULL leaves
// a setting as it is. The workers read the row before each batch, so a raised cap (after a
// fee_bump_at_cap alert) takes effect on the next round.
TXRELAY_SQL_FUNCTION(txrelay_set_chain) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const ChainChanges changes = ChainChangeArgs(args);
  pg::SpiConnection spi;
  const auto current = store::LockChainTunables(chain_id);
  if (!current) {
    throw InvalidArgument("chain_id", "does not name a chain", "No chain " + std::to_string(chain_id) + ".");
  }
  return store::UpdateChain(chain_id, Merge(*current, changes), changes.gas_limit, changes.mode);
}

namespace {

// An endpoint or signer URL as the workers may call it (decision 69).
std::string EndpointUrlArg(const pg::Args& args, int i) {
  const bool allow_link_local =
      pg::CurrentSetting("txrelay.allow_link_local_endpoints").value_or("off") == "on";
  return CheckEndpointUrl(args.Text(i, "url"), "url", allow_link_local);
}

}  // namespace

// add_rpc_endpoint(chain_id, url, priority) -> endpoint_id. Re-adding a URL updates its priority.
// The URL may hold a secret: an error never logs the statement.
TXRELAY_SQL_FUNCTION_TAKING_SECRET(txrelay_add_rpc_endpoint) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string url = EndpointUrlArg(args, 1);
  const std::int32_t priority = args.Int32(2, "priority");
  pg::SpiConnection spi;
  RequireChain(chain_id);
  return Int64GetDatum(store::UpsertEndpoint(chain_id, url, RedactUrl(url), priority));
}

// add_signer(name, url): an external signer speaking eth_signTransaction. Re-adding a name
// replaces its URL (credential rotation). The URL may hold a secret: an error never logs the
// statement.
TXRELAY_SQL_FUNCTION_TAKING_SECRET(txrelay_add_signer) {
  const pg::Args args(fcinfo);
  const std::string name = CheckName(args.Text(0, "name"), "name", kMaxConfigNameChars, false);
  const std::string url = EndpointUrlArg(args, 1);
  pg::SpiConnection spi;
  store::UpsertSigner(name, url, RedactUrl(url));
  PG_RETURN_VOID();
}

// _redact_url(url) -> text: RedactUrl for the upgrade script. The URL may hold a secret.
TXRELAY_SQL_FUNCTION_TAKING_SECRET(txrelay_redact_url) {
  const pg::Args args(fcinfo);
  return pg::MakeText(RedactUrl(args.Text(0, "url", kMaxUrlLength)));
}

// add_sender(chain_id, address, signer, next_nonce) -> senders. A sender already there with the
// same signer is returned unchanged (its nonce counter is never moved by a re-add).
TXRELAY_SQL_FUNCTION(txrelay_add_sender) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string address = ParseNonZeroAddress(args.Text(1, "address"), "address").Checksummed();
  const auto signer = args.OptionalText(2, "signer");
  const auto next_nonce = args.OptionalInt64(3);
  if (next_nonce && *next_nonce < 0) {
    throw InvalidArgument("next_nonce", "must not be negative", "Got " + std::to_string(*next_nonce) + ".");
  }
  pg::SpiConnection spi;
  RequireChain(chain_id);
  if (signer) RequireSigner(*signer);
  if (const auto stored = store::FindSenderSigner(chain_id, address)) {
    if (*stored != signer) {
      throw AlreadyExists(
          "sender " + address + " on chain " + std::to_string(chain_id),
          "Its signer is " + (*stored ? Quote(**stored) : std::string("none (client-signed)")) + ".");
    }
  } else {
    store::InsertSender(chain_id, address, signer, next_nonce);
  }
  return store::SenderRow(chain_id, address);
}

// set_sender_status(chain_id, address, status, reason) -> senders: pause, resume or quarantine a
// hot wallet. Only 'active' senders get new nonces.
TXRELAY_SQL_FUNCTION(txrelay_set_sender_status) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string address = ParseAddress(args.Text(1, "address"), "address").Checksummed();
  const std::string status = args.Text(2, "status");
  if (status != "active" && status != "paused" && status != "quarantined") {
    throw InvalidArgument("status", "must be active, paused or quarantined", "Got " + Quote(status) + ".");
  }
  const std::string reason = CheckFreeText(args.Text(3, "reason"), "reason");
  pg::SpiConnection spi;
  const auto row = store::SetSenderStatus(chain_id, address, status, reason);
  if (!row) {
    throw InvalidArgument("address", "is not a sender of this chain",
                          "No sender " + address + " on chain " + std::to_string(chain_id) + ".");
  }
  return *row;
}

// add_asset(chain_id, symbol, contract, decimals) -> assets. contract NULL names the chain's
// native asset (created by add_chain); otherwise an ERC-20 token contract.
TXRELAY_SQL_FUNCTION(txrelay_add_asset) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string symbol = CheckName(args.Text(1, "symbol"), "symbol", kMaxSymbolChars, false);
  std::optional<std::string> contract;
  if (const auto text = args.OptionalText(2, "contract"))
    contract = ParseAddress(*text, "contract").Checksummed();
  const int decimals = static_cast<int>(CheckRange(args.Int32(3, "decimals"), "decimals", 0, 77));
  pg::SpiConnection spi;
  RequireChain(chain_id);
  if (const auto existing = store::FindAsset(chain_id, symbol)) {
    if (existing->contract != contract || existing->decimals != decimals) {
      throw AlreadyExists("asset " + Quote(symbol) + " on chain " + std::to_string(chain_id),
                          "Existing: contract " + existing->contract.value_or("NULL (native)") +
                              ", decimals " + std::to_string(existing->decimals) + ".");
    }
  } else if (const auto clash = store::AssetWithContract(chain_id, contract)) {
    throw Error(sqlstate::kUniqueViolation,
                contract
                    ? "contract " + *contract + " is already an asset of chain " + std::to_string(chain_id)
                    : "chain " + std::to_string(chain_id) + " already has a native asset",
                "It is asset " + Quote(*clash) + ".");
  } else {
    store::InsertAsset(chain_id, symbol, contract, decimals);
  }
  return store::AssetRowDatum(chain_id, symbol);
}

// set_risk_tier(tier, auto_approve_below, completion, auto_approve_daily_sum, auto_approve_daily_count)
// -> risk_tiers: creates or updates a tier. The daily limits bound what is auto-approved per
// account and asset in any 24 hours; NULL keeps them (a new tier: 10 x auto_approve_below, 10).
TXRELAY_SQL_FUNCTION(txrelay_set_risk_tier) {
  const pg::Args args(fcinfo);
  const std::string tier = CheckName(args.Text(0, "tier"), "tier", kMaxConfigNameChars, true);
  const Uint256 limit =
      ParseAmount(args.NumericText(1, "auto_approve_below"), "auto_approve_below", AmountRule::kNonNegative);
  const Completion completion = ParseCompletion(args.Text(2, "completion"), "completion");
  if (args.Count() == 3) {  // 0.1.0's declaration: a schema without daily limits
    pg::SpiConnection spi;
    return store::UpsertRiskTier01(tier, ToDecimal(limit), completion.Text(),
                                   std::string(completion.LevelName()), completion.confirmations);
  }
  store::DailyLimits daily;
  if (!args.IsNull(3)) {
    daily.sum = ToDecimal(ParseAmount(args.NumericText(3, "auto_approve_daily_sum"), "auto_approve_daily_sum",
                                      AmountRule::kNonNegative));
  }
  if (!args.IsNull(4)) {
    daily.count =
        CheckRange(args.Int32(4, "auto_approve_daily_count"), "auto_approve_daily_count", 0, 1000000000);
  }
  pg::SpiConnection spi;
  return store::UpsertRiskTier(tier, ToDecimal(limit), completion.Text(), std::string(completion.LevelName()),
                               completion.confirmations, daily, store::TierDefaults{10, 10});
}

namespace {

store::EndpointTunables EndpointChangeArgs(const pg::Args& args) {
  auto int_arg = [&](int i, const char* name) {
    return args.IsNull(i) ? std::nullopt : std::optional<std::int64_t>(args.Int32(i, name));
  };
  store::EndpointTunables t;
  if (!args.IsNull(1)) t.enabled = DatumGetBool(args.Raw(1));
  t.priority = int_arg(2, "priority");
  t.max_requests_per_sec = int_arg(5, "max_requests_per_sec");
  return t;
}

// The timeouts after the changes; the connect timeout may not exceed the request timeout.
store::EndpointTimeouts MergeTimeouts(const pg::Args& args, const store::EndpointTimeouts& current) {
  const auto connect =
      args.IsNull(3) ? std::nullopt : std::optional<std::int64_t>(args.Int32(3, "connect_timeout_ms"));
  const auto request =
      args.IsNull(4) ? std::nullopt : std::optional<std::int64_t>(args.Int32(4, "request_timeout_ms"));
  const store::EndpointTimeouts merged{connect.value_or(current.connect_ms),
                                       request.value_or(current.request_ms)};
  if (merged.connect_ms > merged.request_ms) {
    throw InvalidArgument(
        connect ? "connect_timeout_ms" : "request_timeout_ms",
        connect ? "must not exceed request_timeout_ms" : "must not be below connect_timeout_ms",
        "The connect timeout would be " + std::to_string(merged.connect_ms) + " ms and the request timeout " +
            std::to_string(merged.request_ms) + " ms.");
  }
  return merged;
}

void CheckTimeoutArgs(const pg::Args& args) {
  if (!args.IsNull(3)) CheckRange(args.Int32(3, "connect_timeout_ms"), "connect_timeout_ms", 1, 600000);
  if (!args.IsNull(4)) CheckRange(args.Int32(4, "request_timeout_ms"), "request_timeout_ms", 1, 3600000);
  if (!args.IsNull(5)) CheckRange(args.Int32(5, "max_requests_per_sec"), "max_requests_per_sec", 1, 1000000);
}

}  // namespace

// set_rpc_endpoint(endpoint_id, enabled, priority, connect_timeout_ms, request_timeout_ms,
// max_requests_per_sec) -> the endpoint without its URL: tunes or disables an endpoint; NULL
// leaves a setting as it is.
TXRELAY_SQL_FUNCTION(txrelay_set_rpc_endpoint) {
  const pg::Args args(fcinfo);
  const std::int64_t id = args.Int64(0, "endpoint_id");
  store::EndpointTunables tunables = EndpointChangeArgs(args);
  CheckTimeoutArgs(args);
  pg::SpiConnection spi;
  const auto current = store::LockEndpointTimeouts(id);
  if (!current) {
    throw InvalidArgument("endpoint_id", "does not name an RPC endpoint",
                          "No endpoint " + std::to_string(id) + ".");
  }
  tunables.timeouts = MergeTimeouts(args, *current);
  return store::UpdateEndpoint(id, tunables);
}
