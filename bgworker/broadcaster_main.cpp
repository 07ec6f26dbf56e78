// The broadcaster process: PostgreSQL starts it (txrelay_broadcaster_main) on a primary once
// recovery has finished, and restarts it a second after it exits (it always exits with 1).

#include <algorithm>
#include <exception>

#include "bgworker/broadcaster.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

namespace {

bool ExtensionInstalled() {
  pg::WorkerTransaction txn;
  static const pg::Statement kInstalled("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'txrelay'",
                                        {});
  const bool installed = !kInstalled.Run({}).empty();
  txn.Commit();
  return installed;
}

GatewaySettings GatewayConfig() {
  return GatewaySettings{settings.breaker_failure_threshold, settings.breaker_cooldown_ms};
}

void Loop() {
  RpcGateway gateway(pg::worker::Wait, pg::worker::StopRequested, pg::worker::NowMs);
  gateway.Configure(GatewayConfig());
  Broadcaster broadcaster(gateway);
  bool ready = false;
  int consecutive_errors = 0;
  while (!pg::worker::StopRequested()) {
    if (pg::worker::ReloadSettingsIfRequested()) gateway.Configure(GatewayConfig());
    long sleep_ms = settings.idle_wake_ms;
    try {
      if (!settings.broadcaster_enabled) {
        pg::worker::ReportIdle("broadcaster: disabled (txrelay.broadcaster_enabled = off)");
      } else if (!ready) {
        ready = ExtensionInstalled();
        if (!ready) {
          pg::worker::ReportIdle("broadcaster: waiting for CREATE EXTENSION txrelay");
          sleep_ms = 10 * settings.idle_wake_ms;
        } else {
          const std::int64_t recovered = broadcaster.RecoverLeases();
          pg::worker::LogInfo("txrelay broadcaster started in database \"" + std::string(settings.database) +
                              "\"; " + std::to_string(recovered) + " outbox lease(s) recovered");
          sleep_ms = 0;
        }
      } else if (broadcaster.RunOnce()) {
        sleep_ms = 0;  // more may be waiting
      } else {
        pg::worker::ReportIdle("broadcaster: waiting for work");
        // A row due now that this round did not get is held by another transaction (a cancel, an
        // operator): look again shortly rather than spin.
        constexpr long kHeldRowRecheckMs = 5;
        const long due = broadcaster.NextDueMs();
        if (due >= 0 && due < sleep_ms) sleep_ms = std::max(due, kHeldRowRecheckMs);
      }
      consecutive_errors = 0;
    } catch (const std::exception& caught) {
      const std::string what = caught.what();
      // The round's transaction has rolled back; the outbox rows it held are leased and come back
      // after their lease (or at the next start). Back off so that a persistent fault does not spin.
      pg::RecoverFromError();
      ++consecutive_errors;
      sleep_ms = std::min<long>(60000, 100L << std::min(consecutive_errors, 9));
      ready = false;  // re-check the extension (it may have been dropped) and recover leases
      pg::worker::LogWarning(std::string("txrelay broadcaster: round failed, retrying in ") +
                             std::to_string(sleep_ms) + " ms: " + what);
    }
    if (sleep_ms > 0 && !pg::worker::StopRequested()) pg::worker::Wait({}, sleep_ms);
  }
}

}  // namespace

}  // namespace txrelay::bgworker

extern "C" {
PGDLLEXPORT void txrelay_broadcaster_main(Datum);
}

void txrelay_broadcaster_main(Datum) {
  using namespace txrelay;
  try {
    pg::worker::Start("txrelay broadcaster", bgworker::settings.database);
    pg::PublishWorkerLatch(pg::WorkerKind::kBroadcaster);
    pg::worker::ReportIdle("broadcaster: starting");
    bgworker::Loop();
    // SIGTERM: at server shutdown the postmaster does not restart us; otherwise (an operator's
    // pg_terminate_backend) the broadcaster comes back a second later - a withdrawal pipeline
    // must not stop silently.
    pg::worker::LogInfo("txrelay broadcaster: stopping on SIGTERM");
    pg::worker::Exit(1);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    pg::RecoverFromError();
    pg::worker::LogWarning("txrelay broadcaster: stopping after an error (restarted in 1 s): " + what);
    pg::worker::Exit(1);
  }
}
