// Configuration functions (operator role): chains, endpoints, signers, senders, assets, risk
// tiers. Each validates every argument first; re-adding identical configuration is a no-op that
// returns the existing row, while a conflicting re-add is 23505 and changes nothing. Settings
// that operators tune (endpoint priority, signer URL, tier policy) are updated in place.

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/completion.hpp"
#include "core/endpoint_url.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"

using namespace txrelay;
using api::RequireChain;
using api::RequireSigner;

namespace {

constexpr std::size_t kMaxChainNameChars = 63;
constexpr std::size_t kMaxSymbolChars = 16;
constexpr std::size_t kMaxConfigNameChars = 63;

std::int64_t CheckChainId(const pg::Args& args, int i) {
  const std::int64_t chain_id = args.Int64(i, "chain_id");
  if (chain_id <= 0) {
    throw InvalidArgument("chain_id", "must be positive", "Got " + std::to_string(chain_id) + ".");
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
  static const pg::Statement kExisting(
      "SELECT name, native_symbol, native_decimals FROM txrelay.chains WHERE chain_id = $1", {INT8OID});
  static const pg::Statement kNameTaken(
      "SELECT chain_id FROM txrelay.chains WHERE name = $1 AND chain_id <> $2", {TEXTOID, INT8OID});
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.chains (chain_id, name, native_symbol, native_decimals) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT4OID});
  static const pg::Statement kNative(
      "INSERT INTO txrelay.assets (chain_id, symbol, contract, decimals) VALUES ($1, $2, NULL, $3)",
      {INT8OID, TEXTOID, INT4OID});
  static const pg::Statement kRow("SELECT c FROM txrelay.chains c WHERE chain_id = $1", {INT8OID});

  const auto existing = kExisting.Run({pg::Int8Param(chain_id)});
  if (!existing.empty()) {
    const auto r = existing.front();
    if (r.Text(0) != name || r.Text(1) != symbol || r.Int64(2) != decimals) {
      throw AlreadyExists("chain_id " + std::to_string(chain_id),
                          "Existing: name " + Quote(r.Text(0)) + ", native_symbol " + Quote(r.Text(1)) +
                              ", native_decimals " + std::to_string(r.Int64(2)) + ".");
    }
  } else {
    const auto taken = kNameTaken.Run({pg::TextParam(name), pg::Int8Param(chain_id)});
    if (!taken.empty()) {
      throw Error(sqlstate::kUniqueViolation, "name " + Quote(name) + " is already used",
                  "Chain " + std::to_string(taken.front().Int64(0)) + " has this name.");
    }
    kInsert.Run(
        {pg::Int8Param(chain_id), pg::TextParam(name), pg::TextParam(symbol), pg::Int4Param(decimals)});
    kNative.Run({pg::Int8Param(chain_id), pg::TextParam(symbol), pg::Int4Param(decimals)});
  }
  return kRow.Run({pg::Int8Param(chain_id)}).front().TransferValue(0);
}

// set_chain(chain_id, max_fee_per_gas_cap, max_priority_fee_cap, max_gas_limit, finality_mode,
// safe_depth, finalized_depth) -> chains: tunes a chain's fee caps and finality rule; NULL leaves
// a setting as it is. The workers read the row before each batch, so a raised cap (after a
// fee_bump_at_cap alert) takes effect on the next round. Checked against the row's other settings
// here so that the error names the argument, not a table constraint.
TXRELAY_SQL_FUNCTION(txrelay_set_chain) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  auto amount = [&](int i, const char* name) -> std::optional<Uint256> {
    const auto text = args.OptionalNumericText(i);
    if (!text) return std::nullopt;
    return ParseAmount(*text, name, AmountRule::kNonNegative);
  };
  const auto fee_cap = amount(1, "max_fee_per_gas_cap");
  const auto tip_cap = amount(2, "max_priority_fee_cap");
  const auto gas_limit = args.OptionalInt64(3);
  const auto mode = args.OptionalText(4);
  auto depth = [&](int i, const char* name) -> std::optional<std::int64_t> {
    if (args.IsNull(i)) return std::nullopt;
    return CheckRange(args.Int32(i, name), name, 0, 1000000);
  };
  const auto safe_depth = depth(5, "safe_depth");
  const auto finalized_depth = depth(6, "finalized_depth");
  if (fee_cap && fee_cap->is_zero()) {
    throw InvalidArgument("max_fee_per_gas_cap", "must be positive",
                          "A cap of 0 would refuse every transaction.");
  }
  if (gas_limit) CheckRange(*gas_limit, "max_gas_limit", 21000, 1000000000);
  if (mode && *mode != "tags" && *mode != "depth") {
    throw InvalidArgument("finality_mode", "must be 'tags' or 'depth'", "Got " + Quote(*mode) + ".");
  }

  pg::SpiConnection spi;
  static const pg::Statement kCurrent(
      "SELECT max_fee_per_gas_cap::text, max_priority_fee_cap::text, safe_depth, finalized_depth "
      "FROM txrelay.chains WHERE chain_id = $1 FOR UPDATE",
      {INT8OID});
  const auto current = kCurrent.Run({pg::Int8Param(chain_id)});
  if (current.empty()) {
    throw InvalidArgument("chain_id", "does not name a chain", "No chain " + std::to_string(chain_id) + ".");
  }
  const auto row = current.front();
  const Uint256 new_fee =
      fee_cap.value_or(ParseAmount(row.Text(0), "max_fee_per_gas_cap", AmountRule::kNonNegative));
  const Uint256 new_tip =
      tip_cap.value_or(ParseAmount(row.Text(1), "max_priority_fee_cap", AmountRule::kNonNegative));
  if (new_tip > new_fee) {
    throw InvalidArgument(
        tip_cap ? "max_priority_fee_cap" : "max_fee_per_gas_cap",
        tip_cap ? "must not exceed max_fee_per_gas_cap" : "must not be below max_priority_fee_cap",
        "The caps would be " + ToDecimal(new_fee) + " (max fee) and " + ToDecimal(new_tip) +
            " (priority fee) wei per gas.");
  }
  const std::int64_t new_safe = safe_depth.value_or(row.Int64(2));
  const std::int64_t new_final = finalized_depth.value_or(row.Int64(3));
  if (new_final < new_safe) {
    throw InvalidArgument(
        finalized_depth ? "finalized_depth" : "safe_depth",
        finalized_depth ? "must not be below safe_depth" : "must not exceed finalized_depth",
        "The depths would be " + std::to_string(new_safe) + " (safe) and " + std::to_string(new_final) +
            " (finalized) blocks.");
  }
  static const pg::Statement kUpdate(
      "UPDATE txrelay.chains c SET max_fee_per_gas_cap = $2::numeric, max_priority_fee_cap = $3::numeric, "
      "max_gas_limit = coalesce($4, max_gas_limit), finality_mode = coalesce($5, finality_mode), "
      "safe_depth = $6, finalized_depth = $7 WHERE chain_id = $1 RETURNING c",
      {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID, INT4OID, INT4OID});
  return kUpdate
      .Run({pg::Int8Param(chain_id), pg::TextParam(ToDecimal(new_fee)), pg::TextParam(ToDecimal(new_tip)),
            gas_limit ? pg::Int8Param(*gas_limit) : pg::DatumParam(INT8OID, Datum(0), true),
            mode ? pg::TextParam(*mode) : pg::DatumParam(TEXTOID, Datum(0), true),
            pg::Int4Param(static_cast<std::int32_t>(new_safe)),
            pg::Int4Param(static_cast<std::int32_t>(new_final))})
      .front()
      .TransferValue(0);
}

// add_rpc_endpoint(chain_id, url, priority) -> endpoint_id. Re-adding a URL updates its priority.
TXRELAY_SQL_FUNCTION(txrelay_add_rpc_endpoint) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string url = CheckEndpointUrl(args.Text(1, "url"), "url");
  const std::int32_t priority = args.Int32(2, "priority");
  pg::SpiConnection spi;
  RequireChain(chain_id);
  static const pg::Statement kUpsert(
      "INSERT INTO txrelay.rpc_endpoints (chain_id, url, url_redacted, priority) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT ON CONSTRAINT rpc_endpoints_chain_url_key DO UPDATE SET priority = EXCLUDED.priority "
      "RETURNING endpoint_id",
      {INT8OID, TEXTOID, TEXTOID, INT4OID});
  const std::int64_t id = kUpsert
                              .Run({pg::Int8Param(chain_id), pg::TextParam(url),
                                    pg::TextParam(RedactUrl(url)), pg::Int4Param(priority)})
                              .front()
                              .Int64(0);
  return Int64GetDatum(id);
}

// add_signer(name, url): an external signer speaking eth_signTransaction. Re-adding a name
// replaces its URL (credential rotation).
TXRELAY_SQL_FUNCTION(txrelay_add_signer) {
  const pg::Args args(fcinfo);
  const std::string name = CheckName(args.Text(0, "name"), "name", kMaxConfigNameChars, false);
  const std::string url = CheckEndpointUrl(args.Text(1, "url"), "url");
  pg::SpiConnection spi;
  static const pg::Statement kUpsert(
      "INSERT INTO txrelay.signers (name, url, url_redacted) VALUES ($1, $2, $3) "
      "ON CONFLICT ON CONSTRAINT signers_pkey DO UPDATE "
      "SET url = EXCLUDED.url, url_redacted = EXCLUDED.url_redacted, updated_at = now()",
      {TEXTOID, TEXTOID, TEXTOID});
  kUpsert.Run({pg::TextParam(name), pg::TextParam(url), pg::TextParam(RedactUrl(url))});
  PG_RETURN_VOID();
}

// add_sender(chain_id, address, signer, next_nonce) -> senders. A sender already there with the
// same signer is returned unchanged (its nonce counter is never moved by a re-add).
TXRELAY_SQL_FUNCTION(txrelay_add_sender) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string address = ParseAddress(args.Text(1, "address"), "address").Checksummed();
  const auto signer = args.OptionalText(2);
  const auto next_nonce = args.OptionalInt64(3);
  if (next_nonce && *next_nonce < 0) {
    throw InvalidArgument("next_nonce", "must not be negative", "Got " + std::to_string(*next_nonce) + ".");
  }
  pg::SpiConnection spi;
  RequireChain(chain_id);
  if (signer) RequireSigner(*signer);
  static const pg::Statement kExisting(
      "SELECT signer FROM txrelay.senders WHERE chain_id = $1 AND address = $2", {INT8OID, TEXTOID});
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.senders (chain_id, address, signer, next_nonce) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT8OID});
  static const pg::Statement kRow("SELECT s FROM txrelay.senders s WHERE chain_id = $1 AND address = $2",
                                  {INT8OID, TEXTOID});
  const auto existing = kExisting.Run({pg::Int8Param(chain_id), pg::TextParam(address)});
  if (!existing.empty()) {
    const auto stored = existing.front().OptionalText(0);
    if (stored != signer) {
      throw AlreadyExists(
          "sender " + address + " on chain " + std::to_string(chain_id),
          "Its signer is " + (stored ? Quote(*stored) : std::string("none (client-signed)")) + ".");
    }
  } else {
    kInsert.Run({pg::Int8Param(chain_id), pg::TextParam(address), pg::OptionalTextParam(signer),
                 pg::OptionalInt8Param(next_nonce)});
  }
  return kRow.Run({pg::Int8Param(chain_id), pg::TextParam(address)}).front().TransferValue(0);
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
  static const pg::Statement kUpdate(
      "UPDATE txrelay.senders s SET status = $3, status_reason = $4, status_changed_at = now() "
      "WHERE chain_id = $1 AND address = $2 RETURNING s",
      {INT8OID, TEXTOID, TEXTOID, TEXTOID});
  const auto rows = kUpdate.Run(
      {pg::Int8Param(chain_id), pg::TextParam(address), pg::TextParam(status), pg::TextParam(reason)});
  if (rows.empty()) {
    throw InvalidArgument("address", "is not a sender of this chain",
                          "No sender " + address + " on chain " + std::to_string(chain_id) + ".");
  }
  return rows.front().TransferValue(0);
}

// add_asset(chain_id, symbol, contract, decimals) -> assets. contract NULL names the chain's
// native asset (created by add_chain); otherwise an ERC-20 token contract.
TXRELAY_SQL_FUNCTION(txrelay_add_asset) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = CheckChainId(args, 0);
  const std::string symbol = CheckName(args.Text(1, "symbol"), "symbol", kMaxSymbolChars, false);
  std::optional<std::string> contract;
  if (const auto text = args.OptionalText(2)) contract = ParseAddress(*text, "contract").Checksummed();
  const int decimals = static_cast<int>(CheckRange(args.Int32(3, "decimals"), "decimals", 0, 77));
  pg::SpiConnection spi;
  RequireChain(chain_id);
  static const pg::Statement kExisting(
      "SELECT contract, decimals FROM txrelay.assets WHERE chain_id = $1 AND symbol = $2",
      {INT8OID, TEXTOID});
  static const pg::Statement kClash(
      "SELECT symbol FROM txrelay.assets WHERE chain_id = $1 AND contract IS NOT DISTINCT FROM $2",
      {INT8OID, TEXTOID});
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.assets (chain_id, symbol, contract, decimals) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT4OID});
  static const pg::Statement kRow("SELECT a FROM txrelay.assets a WHERE chain_id = $1 AND symbol = $2",
                                  {INT8OID, TEXTOID});
  const auto existing = kExisting.Run({pg::Int8Param(chain_id), pg::TextParam(symbol)});
  if (!existing.empty()) {
    const auto r = existing.front();
    if (r.OptionalText(0) != contract || r.Int64(1) != decimals) {
      throw AlreadyExists("asset " + Quote(symbol) + " on chain " + std::to_string(chain_id),
                          "Existing: contract " + r.OptionalText(0).value_or("NULL (native)") +
                              ", decimals " + std::to_string(r.Int64(1)) + ".");
    }
  } else {
    const auto clash = kClash.Run({pg::Int8Param(chain_id), pg::OptionalTextParam(contract)});
    if (!clash.empty()) {
      throw Error(sqlstate::kUniqueViolation,
                  contract
                      ? "contract " + *contract + " is already an asset of chain " + std::to_string(chain_id)
                      : "chain " + std::to_string(chain_id) + " already has a native asset",
                  "It is asset " + Quote(clash.front().Text(0)) + ".");
    }
    kInsert.Run({pg::Int8Param(chain_id), pg::TextParam(symbol), pg::OptionalTextParam(contract),
                 pg::Int4Param(decimals)});
  }
  return kRow.Run({pg::Int8Param(chain_id), pg::TextParam(symbol)}).front().TransferValue(0);
}

// set_risk_tier(tier, auto_approve_below, completion) -> risk_tiers: creates or updates a tier.
TXRELAY_SQL_FUNCTION(txrelay_set_risk_tier) {
  const pg::Args args(fcinfo);
  const std::string tier = CheckName(args.Text(0, "tier"), "tier", kMaxConfigNameChars, true);
  const Uint256 limit =
      ParseAmount(args.NumericText(1, "auto_approve_below"), "auto_approve_below", AmountRule::kNonNegative);
  const Completion completion = ParseCompletion(args.Text(2, "completion"), "completion");
  pg::SpiConnection spi;
  static const pg::Statement kUpsert(
      "INSERT INTO txrelay.risk_tiers AS t (tier, auto_approve_below, completion, completion_level, "
      "completion_confirmations) VALUES ($1, $2::numeric, $3, $4, $5) "
      "ON CONFLICT ON CONSTRAINT risk_tiers_pkey DO UPDATE SET auto_approve_below = "
      "EXCLUDED.auto_approve_below, "
      "completion = EXCLUDED.completion, completion_level = EXCLUDED.completion_level, "
      "completion_confirmations = EXCLUDED.completion_confirmations, updated_at = now() RETURNING t",
      {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID});
  return kUpsert
      .Run({pg::TextParam(tier), pg::TextParam(ToDecimal(limit)), pg::TextParam(completion.Text()),
            pg::TextParam(completion.LevelName()), pg::Int4Param(completion.confirmations)})
      .front()
      .TransferValue(0);
}

// set_rpc_endpoint(endpoint_id, enabled, priority, connect_timeout_ms, request_timeout_ms,
// max_requests_per_sec) -> the endpoint without its URL: tunes or disables an endpoint; NULL
// leaves a setting as it is.
TXRELAY_SQL_FUNCTION(txrelay_set_rpc_endpoint) {
  const pg::Args args(fcinfo);
  const std::int64_t id = args.Int64(0, "endpoint_id");
  auto int_arg = [&](int i, const char* name) {
    return args.IsNull(i) ? std::nullopt : std::optional<std::int64_t>(args.Int32(i, name));
  };
  const pg::Param enabled =
      args.IsNull(1) ? pg::DatumParam(BOOLOID, Datum(0), true) : pg::BoolParam(DatumGetBool(args.Raw(1)));
  const auto priority = int_arg(2, "priority");
  auto connect = int_arg(3, "connect_timeout_ms");
  auto request = int_arg(4, "request_timeout_ms");
  const auto rate = int_arg(5, "max_requests_per_sec");
  if (connect) CheckRange(*connect, "connect_timeout_ms", 1, 600000);
  if (request) CheckRange(*request, "request_timeout_ms", 1, 3600000);
  if (rate) CheckRange(*rate, "max_requests_per_sec", 1, 1000000);
  pg::SpiConnection spi;
  static const pg::Statement kCurrent(
      "SELECT connect_timeout_ms, request_timeout_ms FROM txrelay.rpc_endpoints WHERE endpoint_id = $1 FOR UPDATE",
      {INT8OID});
  const auto current = kCurrent.Run({pg::Int8Param(id)});
  if (current.empty()) {
    throw InvalidArgument("endpoint_id", "does not name an RPC endpoint",
                          "No endpoint " + std::to_string(id) + ".");
  }
  const std::int64_t effective_connect = connect.value_or(current.front().Int64(0));
  const std::int64_t effective_request = request.value_or(current.front().Int64(1));
  if (effective_connect > effective_request) {
    throw InvalidArgument(
        connect ? "connect_timeout_ms" : "request_timeout_ms",
        connect ? "must not exceed request_timeout_ms" : "must not be below connect_timeout_ms",
        "The connect timeout would be " + std::to_string(effective_connect) + " ms and the request timeout " +
            std::to_string(effective_request) + " ms.");
  }
  static const pg::Statement kUpdate(
      "UPDATE txrelay.rpc_endpoints SET enabled = coalesce($2, enabled), priority = coalesce($3, priority), "
      "connect_timeout_ms = $4, request_timeout_ms = $5, max_requests_per_sec = coalesce($6, max_requests_per_sec) "
      "WHERE endpoint_id = $1 RETURNING ROW(endpoint_id, chain_id, url_redacted, enabled, priority, connect_timeout_ms, "
      "request_timeout_ms, max_requests_per_sec)::txrelay.rpc_endpoint_settings",
      {INT8OID, BOOLOID, INT4OID, INT4OID, INT4OID, INT4OID});
  auto opt_int = [](const std::optional<std::int64_t>& v) {
    return v ? pg::Int4Param(static_cast<std::int32_t>(*v)) : pg::DatumParam(INT4OID, Datum(0), true);
  };
  return kUpdate
      .Run({pg::Int8Param(id), enabled, opt_int(priority),
            pg::Int4Param(static_cast<std::int32_t>(effective_connect)),
            pg::Int4Param(static_cast<std::int32_t>(effective_request)), opt_int(rate)})
      .front()
      .TransferValue(0);
}
