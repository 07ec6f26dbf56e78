#include "bgworker/worker_settings.hpp"

#include "bgworker/rpc_gateway.hpp"
#include "pg/settings.hpp"

namespace txrelay::bgworker {

Settings settings;

GatewaySettings CurrentGatewaySettings() {
  return GatewaySettings{settings.breaker_failure_threshold, settings.breaker_cooldown_ms};
}

void DefineSettings() {
  using pg::SettingScope;
  pg::DefineStringSetting("txrelay.database",
                          "Database in which txrelay's workers run (where CREATE EXTENSION txrelay was run).",
                          &settings.database, "postgres", SettingScope::kRestart);
  pg::DefineBoolSetting("txrelay.broadcaster_enabled",
                        "Whether the broadcaster signs and sends queued transactions.",
                        &settings.broadcaster_enabled, true, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.max_in_flight_per_sender",
                       "Most nonces of one sender sent and not yet mined (geth keeps 16 per account).",
                       &settings.max_in_flight_per_sender, 16, 1, 1024, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.batch_size", "Most outbox rows a worker takes per round.",
                       &settings.batch_size, 100, 1, 10000, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.lease_seconds",
                       "How long a worker's claim on an outbox row lasts before another may take it.",
                       &settings.lease_seconds, 60, 5, 86400, SettingScope::kReload, "s");
  pg::DefineIntSetting(
      "txrelay.idle_wake_ms",
      "Longest sleep of an idle worker; commits wake it at once, this only serves retries that fall due.",
      &settings.idle_wake_ms, 1000, 10, 60000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.broadcaster_backoff_base_ms",
                       "First retry delay ceiling of the broadcaster (full jitter).",
                       &settings.broadcaster_backoff_base_ms, 1000, 1, 3600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.broadcaster_backoff_cap_ms", "Largest retry delay of the broadcaster.",
                       &settings.broadcaster_backoff_cap_ms, 60000, 1, 86400000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.broadcaster_max_tries",
                       "Tries of one outbox row before it becomes a dead letter.",
                       &settings.broadcaster_max_tries, 10, 1, 1000, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.breaker_failure_threshold",
                       "Consecutive transport failures that open an endpoint's circuit breaker.",
                       &settings.breaker_failure_threshold, 5, 1, 1000, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.breaker_cooldown_ms",
                       "How long an open circuit breaker waits before one probe.",
                       &settings.breaker_cooldown_ms, 10000, 10, 3600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.fee_refresh_ms", "How long a chain's fee quote (base fee, tip) is reused.",
                       &settings.fee_refresh_ms, 2000, 0, 600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.signer_timeout_ms", "Total timeout of a call to the external signer.",
                       &settings.signer_timeout_ms, 10000, 100, 600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.signer_connect_timeout_ms",
                       "Connect timeout of a call to the external signer.",
                       &settings.signer_connect_timeout_ms, 2000, 10, 600000, SettingScope::kReload, "ms");
  pg::DefineBoolSetting("txrelay.tracker_enabled",
                        "Whether the tracker follows sent transactions to finality.",
                        &settings.tracker_enabled, true, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.tracker_poll_ms", "How often the tracker reads each chain's heads.",
                       &settings.tracker_poll_ms, 1000, 10, 600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.tracker_backoff_base_ms",
                       "First retry delay ceiling of the tracker after a failed read of a chain.",
                       &settings.tracker_backoff_base_ms, 5000, 1, 3600000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.tracker_backoff_cap_ms", "Largest retry delay of the tracker.",
                       &settings.tracker_backoff_cap_ms, 120000, 1, 86400000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.tracker_max_blocks_per_round",
                       "Most new blocks the tracker reads per chain and round.",
                       &settings.tracker_max_blocks_per_round, 200, 1, 10000, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.tracker_reorg_window",
                       "How many blocks back the tracker looks for the fork point of a reorg.",
                       &settings.tracker_reorg_window, 128, 1, 100000, SettingScope::kReload);
  pg::DefineIntSetting(
      "txrelay.tracker_check_after_blocks",
      "Blocks after which a sent transaction not yet in a block is looked up (pending, dropped, replaced).",
      &settings.tracker_check_after_blocks, 2, 1, 100000, SettingScope::kReload);
  pg::DefineIntSetting("txrelay.tracker_check_after_ms", "Same, by time, for chains without new blocks.",
                       &settings.tracker_check_after_ms, 30000, 100, 86400000, SettingScope::kReload, "ms");
  pg::DefineIntSetting("txrelay.stuck_blocks",
                       "Blocks a pending transaction may wait before the tracker asks for a fee bump.",
                       &settings.stuck_blocks, 12, 1, 100000, SettingScope::kReload);
  pg::DefineBoolSetting(
      "txrelay.require_synchronous_standby",
      "Send a signed transaction only once a synchronous standby has flushed its record (HA).",
      &settings.require_synchronous_standby, false, SettingScope::kReload);
  pg::DefineIntSetting(
      "txrelay.standby_wait_ms",
      "How long the broadcaster waits for a synchronous standby before putting the sends back.",
      &settings.standby_wait_ms, 2000, 0, 60000, SettingScope::kReload, "ms");
  pg::DefineIntSetting(
      "txrelay.ledger_checkpoint_interval",
      "Seconds between the ledger checkpoints the tracker takes (0: none; the alert then stays quiet).",
      &settings.ledger_checkpoint_interval_s, 3600, 0, 7 * 86400, SettingScope::kReload, "s");
  pg::DefineIntSetting("txrelay.alert_pending_age",
                       "Alert when a sent withdrawal is not in a block after this long.",
                       &settings.alert_pending_age_s, 1800, 1, 30 * 86400, SettingScope::kSession, "s");
  pg::DefineIntSetting(
      "txrelay.alert_reservation_age",
      "Alert when a withdrawal's reserved amount is neither committed nor released after this long.",
      &settings.alert_reservation_age_s, 86400, 1, 365 * 86400, SettingScope::kSession, "s");
  pg::DefineIntSetting("txrelay.alert_rpc_window", "The window over which RPC error rates are alerted on.",
                       &settings.alert_rpc_window_s, 300, 1, 86400, SettingScope::kSession, "s");
  pg::DefineIntSetting("txrelay.alert_rpc_error_percent",
                       "Alert when this share of an endpoint's calls in the window failed.",
                       &settings.alert_rpc_error_percent, 20, 1, 100, SettingScope::kSession);
  pg::DefineIntSetting("txrelay.alert_rpc_min_calls",
                       "Fewest calls in the window before an error rate is alerted on.",
                       &settings.alert_rpc_min_calls, 10, 1, 1000000, SettingScope::kSession);
  pg::DefineIntSetting(
      "txrelay.alert_reconcile_age",
      "Alert when no reconciliation run finished within this long (txrelay.reconcile(), pg_cron).",
      &settings.alert_reconcile_age_s, 86400, 60, 30 * 86400, SettingScope::kSession, "s");
  pg::DefineIntSetting(
      "txrelay.alert_tracker_stall",
      "Alert when the tracker has not advanced a chain with withdrawals in flight for this long.",
      &settings.alert_tracker_stall_s, 300, 10, 86400, SettingScope::kSession, "s");
  pg::DefineIntSetting(
      "txrelay.alert_spike_min",
      "Fewest events in the last hour before a spike (3 x the usual rate) or a slower finality is alerted.",
      &settings.alert_spike_min, 5, 1, 1000000, SettingScope::kSession);
}

}  // namespace txrelay::bgworker
