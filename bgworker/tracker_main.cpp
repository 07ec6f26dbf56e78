// The tracker process: like the broadcaster, started by PostgreSQL on a primary once recovery has
// finished and restarted a second after it exits. Its own schedule is slow and steady
// (txrelay.tracker_poll_ms); the broadcaster's sends wake it at commit.

#include <algorithm>

#include "bgworker/capability_prober.hpp"
#include "bgworker/checkpoint_signer.hpp"
#include "bgworker/checkpointer.hpp"
#include "bgworker/reconciler.hpp"
#include "bgworker/tracker.hpp"
#include "bgworker/worker_loop.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/postgres.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

extern "C" {
PGDLLEXPORT void txrelay_tracker_main(Datum);
}

void txrelay_tracker_main(Datum) {
  using namespace txrelay;
  using namespace txrelay::bgworker;
  RunWorkerProcess("tracker", static_cast<int>(pg::WorkerKind::kTracker), [] {
    RpcGateway gateway(pg::worker::Wait, pg::worker::StopRequested, pg::worker::NowMs);
    auto configure = [&gateway] { gateway.Configure(CurrentGatewaySettings()); };
    configure();
    Tracker tracker(gateway);
    Reconciler reconciler(gateway, "tracker");  // txrelay.reconcile() runs: the same process, woken at commit
    LedgerCheckpointer checkpointer;            // ledger checkpoints on a schedule
    CheckpointSigner checkpoint_signer(gateway);  // and each signed by the audit key, if one is set
    CapabilityProber prober(gateway);             // what each endpoint and signer can do
    RunWorkerLoop(WorkerRole{
        "tracker",
        [] { return settings.tracker_enabled; },
        [] {
          pg::worker::LogInfo("txrelay tracker started in database \"" + std::string(settings.database) +
                              "\"");
        },
        [&tracker, &reconciler, &checkpointer, &checkpoint_signer, &prober] {
          const bool probed = prober.RunIfDue();
          const bool tracked = tracker.RunOnce();
          const bool reconciled = reconciler.RunRequested();
          checkpointer.RunIfDue();
          const bool signed_checkpoint = checkpoint_signer.RunIfDue();
          return reconciled || tracked || signed_checkpoint || probed;
        },
        [&tracker, &checkpointer] {
          const long checkpoint = checkpointer.NextDueMs();
          return checkpoint < 0 ? tracker.NextDueMs() : std::min(tracker.NextDueMs(), checkpoint);
        },
        configure,
    });
  });
}
