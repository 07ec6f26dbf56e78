// The workers' settings (GUCs txrelay.*), documented in docs/operations.md.
#pragma once

#include "core/rpc/backoff.hpp"

namespace txrelay::bgworker {

struct Settings {
  char* database = nullptr;           // txrelay.database (restart)
  bool broadcaster_enabled = true;    // txrelay.broadcaster_enabled
  int max_in_flight_per_sender = 16;  // txrelay.max_in_flight_per_sender
  int batch_size = 100;               // txrelay.batch_size
  int lease_seconds = 60;             // txrelay.lease_seconds
  int idle_wake_ms = 1000;            // txrelay.idle_wake_ms
  int broadcaster_backoff_base_ms = 1000;
  int broadcaster_backoff_cap_ms = 60000;
  int broadcaster_max_tries = 10;
  int breaker_failure_threshold = 5;
  int breaker_cooldown_ms = 10000;
  int fee_refresh_ms = 2000;
  int signer_timeout_ms = 10000;
  int signer_connect_timeout_ms = 2000;
  bool tracker_enabled = true;
  int tracker_poll_ms = 1000;
  int tracker_backoff_base_ms = 5000;
  int tracker_backoff_cap_ms = 120000;
  int tracker_max_blocks_per_round = 200;
  int tracker_reorg_window = 128;
  int tracker_check_after_blocks = 2;
  int tracker_check_after_ms = 30000;
  int stuck_blocks = 12;
  int ledger_checkpoint_interval_s = 3600;
  bool require_synchronous_standby = false;  // txrelay.require_synchronous_standby
  int standby_wait_ms = 2000;  // txrelay.standby_wait_ms  // txrelay.ledger_checkpoint_interval (0: off)
  // Thresholds of the txrelay.alerts view (read there with current_setting()).
  int alert_pending_age_s = 1800;
  int alert_reservation_age_s = 86400;
  int alert_rpc_window_s = 300;
  int alert_rpc_error_percent = 20;
  int alert_rpc_min_calls = 10;
  int alert_reconcile_age_s = 86400;
  int alert_spike_min = 5;
  int alert_tracker_stall_s = 300;

  rpc::BackoffPolicy BroadcasterBackoff() const {
    return {broadcaster_backoff_base_ms, broadcaster_backoff_cap_ms, broadcaster_max_tries};
  }
  // The tracker never gives up on a chain (nothing is failed because a node is unreachable).
  rpc::BackoffPolicy TrackerBackoff() const { return {tracker_backoff_base_ms, tracker_backoff_cap_ms, 0}; }
};

extern Settings settings;

struct GatewaySettings;
// The RPC gateway's share of the settings (circuit breaker), for a worker's gateway.
GatewaySettings CurrentGatewaySettings();

// Defines every txrelay.* setting (from _PG_init).
void DefineSettings();

}  // namespace txrelay::bgworker
