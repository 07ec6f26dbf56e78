// The workers' settings (GUCs txrelay.*), documented in docs/operations.md.
#pragma once

#include "core/rpc/backoff.hpp"

namespace txrelay::bgworker {

// The values of the txrelay.* settings; their names, defaults and ranges are the table in
// worker_settings.cpp (defining a setting sets its value to the default).
struct Settings {
  char* database{};
  char* secrets_file{};
  bool allow_link_local_endpoints{};
  bool broadcaster_enabled{};
  int max_in_flight_per_sender{};
  int batch_size{};
  int lease_seconds{};
  int idle_wake_ms{};
  int broadcaster_backoff_base_ms{};
  int broadcaster_backoff_cap_ms{};
  int broadcaster_max_tries{};
  int breaker_failure_threshold{};
  int breaker_cooldown_ms{};
  int fee_refresh_ms{};
  int signer_timeout_ms{};
  int signer_connect_timeout_ms{};
  bool tracker_enabled{};
  int tracker_poll_ms{};
  int tracker_backoff_base_ms{};
  int tracker_backoff_cap_ms{};
  int tracker_max_blocks_per_round{};
  int tracker_reorg_window{};
  int tracker_check_after_blocks{};
  int tracker_check_after_ms{};
  int stuck_blocks{};
  int max_fee_bumps_per_nonce{};
  int ledger_checkpoint_interval_s{};
  int capability_probe_interval_s{};
  bool require_synchronous_standby{};
  int standby_wait_ms{};
  // Thresholds of the txrelay.alerts view (read there with txrelay._setting()).
  int alert_pending_age_s{};
  int alert_reservation_age_s{};
  int alert_rpc_window_s{};
  int alert_rpc_error_percent{};
  int alert_rpc_min_calls{};
  int alert_reconcile_age_s{};
  int alert_spike_min{};
  int alert_tracker_stall_s{};

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

// Defines every txrelay.* setting (from _PG_init); the restart-only ones only while the server
// starts (shared_preload_libraries).
void DefineSettings(bool at_server_start);

}  // namespace txrelay::bgworker
