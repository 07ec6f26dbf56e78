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

  rpc::BackoffPolicy BroadcasterBackoff() const {
    return {broadcaster_backoff_base_ms, broadcaster_backoff_cap_ms, broadcaster_max_tries};
  }
};

extern Settings settings;

// Defines every txrelay.* setting (from _PG_init).
void DefineSettings();

}  // namespace txrelay::bgworker
