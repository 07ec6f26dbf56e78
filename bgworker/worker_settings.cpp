#include "bgworker/worker_settings.hpp"

#include "bgworker/rpc_gateway.hpp"
#include "pg/settings.hpp"

namespace txrelay::bgworker {

Settings settings;

namespace {

using Scope = pg::SettingScope;

// Every txrelay.* setting, once: name, where its value lives, default, range, unit, when a change
// applies, description. PostgreSQL reports them in pg_settings (boot_val, short_desc);
// test/docs_match.sh checks docs/operations.md against that, and the SQL reads them through
// txrelay._setting(), so no default is written anywhere else.
struct IntSetting {
  const char* name;
  int Settings::*field;
  int boot, min, max;
  const char* unit;  // "ms", "s" or none
  Scope scope;
  const char* description;
};
struct BoolSetting {
  const char* name;
  bool Settings::*field;
  bool boot;
  Scope scope;
  const char* description;
};
struct StringSetting {
  const char* name;
  char* Settings::*field;
  const char* boot;
  Scope scope;
  const char* description;
};

const StringSetting kStringSettings[] = {
    {"txrelay.database", &Settings::database, "postgres", Scope::kRestart,
     "Database in which txrelay's workers run (where CREATE EXTENSION txrelay was run)."},
    {"txrelay.secrets_file", &Settings::secrets_file, "", Scope::kReload,
     "File of NAME=VALUE secrets that endpoint and signer URLs name as ${NAME} (owned by the server's user, mode 0600)."},
};

const BoolSetting kBoolSettings[] = {
    {"txrelay.allow_link_local_endpoints", &Settings::allow_link_local_endpoints, false, Scope::kReload,
     "Allow endpoint and signer URLs, and the addresses they resolve to, in link-local networks and cloud metadata services."},
    {"txrelay.broadcaster_enabled", &Settings::broadcaster_enabled, true, Scope::kReload,
     "Whether the broadcaster signs and sends queued transactions."},
    {"txrelay.tracker_enabled", &Settings::tracker_enabled, true, Scope::kReload,
     "Whether the tracker follows sent transactions to finality."},
    {"txrelay.require_synchronous_standby", &Settings::require_synchronous_standby, false, Scope::kReload,
     "Send a signed transaction only once a synchronous standby has flushed its record (HA)."},
};

const IntSetting kIntSettings[] = {
    {"txrelay.max_in_flight_per_sender", &Settings::max_in_flight_per_sender, 16, 1, 1024, nullptr,
     Scope::kReload, "Most nonces of one sender sent and not yet mined (geth keeps 16 per account)."},
    {"txrelay.batch_size", &Settings::batch_size, 100, 1, 10000, nullptr, Scope::kReload,
     "Most outbox rows a worker takes per round."},
    {"txrelay.lease_seconds", &Settings::lease_seconds, 60, 5, 86400, "s", Scope::kReload,
     "How long a worker's claim on an outbox row lasts before another may take it."},
    {"txrelay.idle_wake_ms", &Settings::idle_wake_ms, 1000, 10, 60000, "ms", Scope::kReload,
     "Longest sleep of an idle worker; commits wake it at once, this only serves retries that fall due."},
    {"txrelay.broadcaster_backoff_base_ms", &Settings::broadcaster_backoff_base_ms, 1000, 1, 3600000, "ms",
     Scope::kReload, "First retry delay ceiling of the broadcaster (full jitter)."},
    {"txrelay.broadcaster_backoff_cap_ms", &Settings::broadcaster_backoff_cap_ms, 60000, 1, 86400000, "ms",
     Scope::kReload, "Largest retry delay of the broadcaster."},
    {"txrelay.broadcaster_max_tries", &Settings::broadcaster_max_tries, 10, 1, 1000, nullptr, Scope::kReload,
     "Tries of a transient failure before the send_retrying alert; the row keeps retrying at broadcaster_backoff_cap_ms (a reserved nonce is never given up)."},
    {"txrelay.breaker_failure_threshold", &Settings::breaker_failure_threshold, 5, 1, 1000, nullptr,
     Scope::kReload, "Consecutive transport failures that open an endpoint's circuit breaker."},
    {"txrelay.breaker_cooldown_ms", &Settings::breaker_cooldown_ms, 10000, 10, 3600000, "ms", Scope::kReload,
     "How long an open circuit breaker waits before one probe."},
    {"txrelay.fee_refresh_ms", &Settings::fee_refresh_ms, 2000, 0, 600000, "ms", Scope::kReload,
     "How long a chain's fee quote (base fee, tip) is reused."},
    {"txrelay.signer_timeout_ms", &Settings::signer_timeout_ms, 10000, 100, 600000, "ms", Scope::kReload,
     "Total timeout of a call to the external signer."},
    {"txrelay.signer_connect_timeout_ms", &Settings::signer_connect_timeout_ms, 2000, 10, 600000, "ms",
     Scope::kReload, "Connect timeout of a call to the external signer."},
    {"txrelay.tracker_poll_ms", &Settings::tracker_poll_ms, 1000, 10, 600000, "ms", Scope::kReload,
     "How often the tracker reads each chain's heads."},
    {"txrelay.tracker_backoff_base_ms", &Settings::tracker_backoff_base_ms, 5000, 1, 3600000, "ms",
     Scope::kReload, "First retry delay ceiling of the tracker after a failed read of a chain."},
    {"txrelay.tracker_backoff_cap_ms", &Settings::tracker_backoff_cap_ms, 120000, 1, 86400000, "ms",
     Scope::kReload, "Largest retry delay of the tracker."},
    {"txrelay.tracker_max_blocks_per_round", &Settings::tracker_max_blocks_per_round, 200, 1, 10000, nullptr,
     Scope::kReload, "Most new blocks the tracker reads per chain and round."},
    {"txrelay.tracker_reorg_window", &Settings::tracker_reorg_window, 128, 1, 100000, nullptr, Scope::kReload,
     "How many blocks back the tracker looks for the fork point of a reorg."},
    {"txrelay.tracker_check_after_blocks", &Settings::tracker_check_after_blocks, 2, 1, 100000, nullptr,
     Scope::kReload,
     "Blocks after which a sent transaction not yet in a block is looked up (pending, dropped, replaced)."},
    {"txrelay.tracker_check_after_ms", &Settings::tracker_check_after_ms, 30000, 100, 86400000, "ms",
     Scope::kReload, "Same, by time, for chains without new blocks."},
    {"txrelay.stuck_blocks", &Settings::stuck_blocks, 12, 1, 100000, nullptr, Scope::kReload,
     "Blocks a pending transaction may wait before the tracker asks for a fee bump."},
    {"txrelay.max_fee_bumps_per_nonce", &Settings::max_fee_bumps_per_nonce, 10, 0, 1000, nullptr,
     Scope::kReload,
     "Most automatic fee bumps (re-prices) of one nonce; then fee_bump_at_cap alerts and a person decides."},
    {"txrelay.capability_probe_interval", &Settings::capability_probe_interval_s, 600, 10, 7 * 86400, "s",
     Scope::kReload,
     "How often the tracker asks each RPC endpoint and signer again what it can do (a new one: within seconds)."},
    {"txrelay.standby_wait_ms", &Settings::standby_wait_ms, 2000, 0, 60000, "ms", Scope::kReload,
     "How long the broadcaster waits for a synchronous standby before putting the sends back."},
    {"txrelay.ledger_checkpoint_interval", &Settings::ledger_checkpoint_interval_s, 3600, 0, 7 * 86400, "s",
     Scope::kReload,
     "Seconds between the ledger checkpoints the tracker takes (0: none; the alert then stays quiet)."},
    {"txrelay.alert_pending_age", &Settings::alert_pending_age_s, 1800, 1, 30 * 86400, "s", Scope::kSession,
     "Alert when a sent withdrawal is not in a block after this long."},
    {"txrelay.alert_reservation_age", &Settings::alert_reservation_age_s, 86400, 1, 365 * 86400, "s",
     Scope::kSession,
     "Alert when a withdrawal's reserved amount is neither committed nor released after this long."},
    {"txrelay.alert_rpc_window", &Settings::alert_rpc_window_s, 300, 1, 86400, "s", Scope::kSession,
     "The window over which RPC error rates are alerted on."},
    {"txrelay.alert_rpc_error_percent", &Settings::alert_rpc_error_percent, 20, 1, 100, nullptr,
     Scope::kSession, "Alert when this share of an endpoint's calls in the window failed."},
    {"txrelay.alert_rpc_min_calls", &Settings::alert_rpc_min_calls, 10, 1, 1000000, nullptr, Scope::kSession,
     "Fewest calls in the window before an error rate is alerted on."},
    {"txrelay.alert_reconcile_age", &Settings::alert_reconcile_age_s, 86400, 60, 30 * 86400, "s",
     Scope::kSession,
     "Alert when no reconciliation run finished within this long (txrelay.reconcile(), pg_cron)."},
    {"txrelay.alert_tracker_stall", &Settings::alert_tracker_stall_s, 300, 10, 86400, "s", Scope::kSession,
     "Alert when the tracker has not advanced a chain with withdrawals in flight for this long."},
    {"txrelay.alert_spike_min", &Settings::alert_spike_min, 5, 1, 1000000, nullptr, Scope::kSession,
     "Fewest events in the last hour before a spike (3 x the usual rate) or a slower finality is alerted."},
};

}  // namespace

GatewaySettings CurrentGatewaySettings() {
  return GatewaySettings{settings.breaker_failure_threshold, settings.breaker_cooldown_ms,
                         settings.allow_link_local_endpoints};
}

void DefineSettings(bool at_server_start) {
  for (const auto& s : kStringSettings) {
    // A restart setting defined after start-up could never be set: it only exists with preloading.
    if (s.scope == Scope::kRestart && !at_server_start) continue;
    pg::DefineStringSetting(s.name, s.description, &(settings.*s.field), s.boot, s.scope);
  }
  for (const auto& s : kBoolSettings)
    pg::DefineBoolSetting(s.name, s.description, &(settings.*s.field), s.boot, s.scope);
  for (const auto& s : kIntSettings) {
    pg::DefineIntSetting(s.name, s.description, &(settings.*s.field), s.boot, s.min, s.max, s.scope, s.unit);
  }
}

}  // namespace txrelay::bgworker
