#include "store/config.hpp"

#include "pg/spi.hpp"
#include "store/capabilities.hpp"

namespace txrelay::store {

namespace {
pg::Param OptionalInt4(const std::optional<std::int64_t>& v) {
  return v ? pg::Int4Param(static_cast<std::int32_t>(*v)) : pg::NullParam(INT4OID);
}
}  // namespace

std::optional<ChainIdentity> FindChain(std::int64_t chain_id) {
  static const pg::Statement kFind(
      "SELECT name, native_symbol, native_decimals FROM txrelay.chains WHERE chain_id = $1", {INT8OID});
  const auto rows = kFind.Run({pg::Int8Param(chain_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return ChainIdentity{r.Text("name"), r.Text("native_symbol"), r.Int64("native_decimals")};
}

std::optional<std::int64_t> ChainNamed(const std::string& name, std::int64_t other_than) {
  static const pg::Statement kNamed("SELECT chain_id FROM txrelay.chains WHERE name = $1 AND chain_id <> $2",
                                    {TEXTOID, INT8OID});
  const auto rows = kNamed.Run({pg::TextParam(name), pg::Int8Param(other_than)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Int64("chain_id");
}

void InsertChain(std::int64_t chain_id, const std::string& name, const std::string& symbol, int decimals) {
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.chains (chain_id, name, native_symbol, native_decimals) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT4OID});
  static const pg::Statement kNative(
      "INSERT INTO txrelay.assets (chain_id, symbol, contract, decimals) VALUES ($1, $2, NULL, $3)",
      {INT8OID, TEXTOID, INT4OID});
  kInsert.Run({pg::Int8Param(chain_id), pg::TextParam(name), pg::TextParam(symbol), pg::Int4Param(decimals)});
  kNative.Run({pg::Int8Param(chain_id), pg::TextParam(symbol), pg::Int4Param(decimals)});
}

Datum ChainRow(std::int64_t chain_id) {
  static const pg::Statement kRow("SELECT c FROM txrelay.chains c WHERE chain_id = $1", {INT8OID});
  return kRow.Run({pg::Int8Param(chain_id)}).front().TransferValue("c");
}

std::optional<ChainTunables> LockChainTunables(std::int64_t chain_id) {
  static const pg::Statement kCurrent(R"sql(
    SELECT max_fee_per_gas_cap, max_priority_fee_cap, safe_depth, finalized_depth
      FROM txrelay.chains WHERE chain_id = $1 FOR UPDATE)sql",
                                      {INT8OID});
  const auto rows = kCurrent.Run({pg::Int8Param(chain_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return ChainTunables{r.Text("max_fee_per_gas_cap"), r.Text("max_priority_fee_cap"), r.Int64("safe_depth"),
                       r.Int64("finalized_depth")};
}

Datum UpdateChain(std::int64_t chain_id, const ChainTunables& t, const std::optional<std::int64_t>& gas_limit,
                  const std::optional<std::string>& finality_mode) {
  static const pg::Statement kUpdate(R"sql(
    UPDATE txrelay.chains c
       SET max_fee_per_gas_cap = $2::numeric, max_priority_fee_cap = $3::numeric,
           max_gas_limit = coalesce($4, max_gas_limit), finality_mode = coalesce($5, finality_mode),
           safe_depth = $6, finalized_depth = $7
     WHERE chain_id = $1 RETURNING c)sql",
                                     {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID, INT4OID, INT4OID});
  return kUpdate
      .Run({pg::Int8Param(chain_id), pg::TextParam(t.max_fee_per_gas_cap),
            pg::TextParam(t.max_priority_fee_cap), pg::OptionalInt8Param(gas_limit),
            pg::OptionalTextParam(finality_mode), pg::Int4Param(static_cast<std::int32_t>(t.safe_depth)),
            pg::Int4Param(static_cast<std::int32_t>(t.finalized_depth))})
      .front()
      .TransferValue("c");
}

std::int64_t UpsertEndpoint(std::int64_t chain_id, const std::string& url, const std::string& url_redacted,
                            std::int32_t priority) {
  static const pg::Statement kUpsert(R"sql(
    INSERT INTO txrelay.rpc_endpoints (chain_id, url, url_redacted, priority) VALUES ($1, $2, $3, $4)
    ON CONFLICT ON CONSTRAINT rpc_endpoints_chain_url_key DO UPDATE SET priority = EXCLUDED.priority
    RETURNING endpoint_id)sql",
                                     {INT8OID, TEXTOID, TEXTOID, INT4OID});
  return kUpsert
      .Run(
          {pg::Int8Param(chain_id), pg::TextParam(url), pg::TextParam(url_redacted), pg::Int4Param(priority)})
      .front()
      .Int64("endpoint_id");
}

std::optional<EndpointTimeouts> LockEndpointTimeouts(std::int64_t endpoint_id) {
  static const pg::Statement kCurrent(R"sql(
    SELECT connect_timeout_ms, request_timeout_ms FROM txrelay.rpc_endpoints WHERE endpoint_id = $1 FOR UPDATE)sql",
                                      {INT8OID});
  const auto rows = kCurrent.Run({pg::Int8Param(endpoint_id)});
  if (rows.empty()) return std::nullopt;
  return EndpointTimeouts{rows.front().Int64("connect_timeout_ms"), rows.front().Int64("request_timeout_ms")};
}

Datum UpdateEndpoint(std::int64_t endpoint_id, const EndpointTunables& t) {
  static const pg::Statement kUpdate(R"sql(
    UPDATE txrelay.rpc_endpoints
       SET enabled = coalesce($2, enabled), priority = coalesce($3, priority), connect_timeout_ms = $4,
           request_timeout_ms = $5, max_requests_per_sec = coalesce($6, max_requests_per_sec)
     WHERE endpoint_id = $1
    RETURNING ROW(endpoint_id, chain_id, url_redacted, enabled, priority, connect_timeout_ms, request_timeout_ms,
                  max_requests_per_sec)::txrelay.rpc_endpoint_settings AS settings)sql",
                                     {INT8OID, BOOLOID, INT4OID, INT4OID, INT4OID, INT4OID});
  return kUpdate
      .Run({pg::Int8Param(endpoint_id), t.enabled ? pg::BoolParam(*t.enabled) : pg::NullParam(BOOLOID),
            OptionalInt4(t.priority), pg::Int4Param(static_cast<std::int32_t>(t.timeouts.connect_ms)),
            pg::Int4Param(static_cast<std::int32_t>(t.timeouts.request_ms)),
            OptionalInt4(t.max_requests_per_sec)})
      .front()
      .TransferValue("settings");
}

void UpsertSigner(const std::string& name, const std::string& url, const std::string& url_redacted) {
  static const pg::Statement kUpsert(R"sql(
    INSERT INTO txrelay.signers (name, url, url_redacted) VALUES ($1, $2, $3)
    ON CONFLICT ON CONSTRAINT signers_pkey DO UPDATE
       SET url = EXCLUDED.url, url_redacted = EXCLUDED.url_redacted, updated_at = now())sql",
                                     {TEXTOID, TEXTOID, TEXTOID});
  kUpsert.Run({pg::TextParam(name), pg::TextParam(url), pg::TextParam(url_redacted)});
  ForgetSignerCapabilities(name);  // a new URL may be another signer: asked again within seconds
}

std::optional<std::optional<std::string>> FindSenderSigner(std::int64_t chain_id,
                                                           const std::string& address) {
  static const pg::Statement kFind("SELECT signer FROM txrelay.senders WHERE chain_id = $1 AND address = $2",
                                   {INT8OID, TEXTOID});
  const auto rows = kFind.Run({pg::Int8Param(chain_id), pg::TextParam(address)});
  if (rows.empty()) return std::nullopt;
  return rows.front().OptionalText("signer");
}

void InsertSender(std::int64_t chain_id, const std::string& address, const std::optional<std::string>& signer,
                  const std::optional<std::int64_t>& next_nonce) {
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.senders (chain_id, address, signer, next_nonce) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT8OID});
  kInsert.Run({pg::Int8Param(chain_id), pg::TextParam(address), pg::OptionalTextParam(signer),
               pg::OptionalInt8Param(next_nonce)});
}

Datum SenderRow(std::int64_t chain_id, const std::string& address) {
  static const pg::Statement kRow("SELECT s FROM txrelay.senders s WHERE chain_id = $1 AND address = $2",
                                  {INT8OID, TEXTOID});
  return kRow.Run({pg::Int8Param(chain_id), pg::TextParam(address)}).front().TransferValue("s");
}

std::optional<Datum> SetSenderStatus(std::int64_t chain_id, const std::string& address,
                                     const std::string& status, const std::string& reason) {
  static const pg::Statement kUpdate(R"sql(
    UPDATE txrelay.senders s SET status = $3, status_reason = $4, status_changed_at = now()
     WHERE chain_id = $1 AND address = $2 RETURNING s)sql",
                                     {INT8OID, TEXTOID, TEXTOID, TEXTOID});
  const auto rows = kUpdate.Run(
      {pg::Int8Param(chain_id), pg::TextParam(address), pg::TextParam(status), pg::TextParam(reason)});
  if (rows.empty()) return std::nullopt;
  return rows.front().TransferValue("s");
}

std::optional<AssetRow> FindAsset(std::int64_t chain_id, const std::string& symbol) {
  static const pg::Statement kFind(
      "SELECT symbol, contract, decimals FROM txrelay.assets WHERE chain_id = $1 AND symbol = $2",
      {INT8OID, TEXTOID});
  const auto rows = kFind.Run({pg::Int8Param(chain_id), pg::TextParam(symbol)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return AssetRow{r.Text("symbol"), r.OptionalText("contract"), r.Int64("decimals")};
}

std::optional<std::string> AssetWithContract(std::int64_t chain_id,
                                             const std::optional<std::string>& contract) {
  static const pg::Statement kClash(
      "SELECT symbol FROM txrelay.assets WHERE chain_id = $1 AND contract IS NOT DISTINCT FROM $2",
      {INT8OID, TEXTOID});
  const auto rows = kClash.Run({pg::Int8Param(chain_id), pg::OptionalTextParam(contract)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Text("symbol");
}

void InsertAsset(std::int64_t chain_id, const std::string& symbol, const std::optional<std::string>& contract,
                 int decimals) {
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.assets (chain_id, symbol, contract, decimals) VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, TEXTOID, INT4OID});
  kInsert.Run({pg::Int8Param(chain_id), pg::TextParam(symbol), pg::OptionalTextParam(contract),
               pg::Int4Param(decimals)});
}

Datum AssetRowDatum(std::int64_t chain_id, const std::string& symbol) {
  static const pg::Statement kRow("SELECT a FROM txrelay.assets a WHERE chain_id = $1 AND symbol = $2",
                                  {INT8OID, TEXTOID});
  return kRow.Run({pg::Int8Param(chain_id), pg::TextParam(symbol)}).front().TransferValue("a");
}

std::optional<RiskTierRow> FindRiskTier(const std::string& tier) {
  // A 0.1.0 schema has no daily limits; once the columns exist (upgrades only add them), the plan
  // names them instead of reading the whole row as JSON on every request.
  static bool has_daily_limits = false;
  static const pg::Statement kHasDailyLimits(R"sql(
    SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = 'txrelay.risk_tiers'::regclass
                      AND attname = 'auto_approve_daily_sum' AND NOT attisdropped) AS present)sql",
                                             {});
  static const pg::Statement kFind01(R"sql(
    SELECT t.tier, t.auto_approve_below, t.completion, NULL::text AS daily_sum, NULL::bigint AS daily_count
      FROM txrelay.risk_tiers t WHERE t.tier = $1)sql",
                                     {TEXTOID});
  static const pg::Statement kFind(R"sql(
    SELECT t.tier, t.auto_approve_below, t.completion, t.auto_approve_daily_sum AS daily_sum,
           t.auto_approve_daily_count AS daily_count
      FROM txrelay.risk_tiers t WHERE t.tier = $1)sql",
                                   {TEXTOID});
  if (!has_daily_limits) has_daily_limits = kHasDailyLimits.Run({}).front().Bool("present");
  const auto rows = (has_daily_limits ? kFind : kFind01).Run({pg::TextParam(tier)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return RiskTierRow{r.Text("tier"), r.Text("auto_approve_below"), r.Text("completion"),
                     DailyLimits{r.OptionalText("daily_sum"), r.OptionalInt64("daily_count")}};
}

Datum UpsertRiskTier01(const std::string& tier, const std::string& auto_approve_below,
                       const std::string& completion, const std::string& completion_level,
                       std::int32_t confirmations) {
  static const pg::Statement kUpsert(R"sql(
    INSERT INTO txrelay.risk_tiers AS t (tier, auto_approve_below, completion, completion_level,
                                         completion_confirmations)
    VALUES ($1, $2::numeric, $3, $4, $5)
    ON CONFLICT ON CONSTRAINT risk_tiers_pkey DO UPDATE
       SET auto_approve_below = EXCLUDED.auto_approve_below, completion = EXCLUDED.completion,
           completion_level = EXCLUDED.completion_level, completion_confirmations = EXCLUDED.completion_confirmations,
           updated_at = now()
    RETURNING t)sql",
                                     {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID});
  return kUpsert
      .Run({pg::TextParam(tier), pg::TextParam(auto_approve_below), pg::TextParam(completion),
            pg::TextParam(completion_level), pg::Int4Param(confirmations)})
      .front()
      .TransferValue("t");
}

Datum UpsertRiskTier(const std::string& tier, const std::string& auto_approve_below,
                     const std::string& completion, const std::string& completion_level,
                     std::int32_t confirmations, const DailyLimits& daily, const TierDefaults& defaults) {
  // (The default sum is cut to the wei domain's maximum, 2^256 - 1.)
  static const pg::Statement kUpsert(
      R"sql(
    INSERT INTO txrelay.risk_tiers AS t (tier, auto_approve_below, completion, completion_level,
                                         completion_confirmations, auto_approve_daily_sum, auto_approve_daily_count)
    VALUES ($1, $2::numeric, $3, $4, $5,
            coalesce($6::numeric, least($2::numeric * $8, 115792089237316195423570985008687907853269984665640564039457584007913129639935)),
            coalesce($7, $9))
    ON CONFLICT ON CONSTRAINT risk_tiers_pkey DO UPDATE
       SET auto_approve_below = EXCLUDED.auto_approve_below, completion = EXCLUDED.completion,
           completion_level = EXCLUDED.completion_level, completion_confirmations = EXCLUDED.completion_confirmations,
           auto_approve_daily_sum = coalesce($6::numeric, t.auto_approve_daily_sum),
           auto_approve_daily_count = coalesce($7, t.auto_approve_daily_count), updated_at = now()
    RETURNING t)sql",
      {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TEXTOID, INT8OID, INT8OID, INT8OID});
  return kUpsert
      .Run({pg::TextParam(tier), pg::TextParam(auto_approve_below), pg::TextParam(completion),
            pg::TextParam(completion_level), pg::Int4Param(confirmations), pg::OptionalTextParam(daily.sum),
            pg::OptionalInt8Param(daily.count), pg::Int8Param(defaults.sum_multiple),
            pg::Int8Param(defaults.count)})
      .front()
      .TransferValue("t");
}

}  // namespace txrelay::store
