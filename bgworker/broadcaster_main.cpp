// The broadcaster process: PostgreSQL starts it (txrelay_broadcaster_main) on a primary once
// recovery has finished, and restarts it a second after it exits (it always exits with 1).

#include "bgworker/broadcaster.hpp"
#include "bgworker/worker_loop.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/postgres.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

extern "C" {
PGDLLEXPORT void txrelay_broadcaster_main(Datum);
}

void txrelay_broadcaster_main(Datum) {
  using namespace txrelay;
  using namespace txrelay::bgworker;
  RunWorkerProcess("broadcaster", static_cast<int>(pg::WorkerKind::kBroadcaster), [] {
    RpcGateway gateway(pg::worker::Wait, pg::worker::StopRequested, pg::worker::NowMs);
    auto configure = [&gateway] { gateway.Configure(CurrentGatewaySettings()); };
    configure();
    Broadcaster broadcaster(gateway);
    RunWorkerLoop(WorkerRole{
        "broadcaster",
        [] { return settings.broadcaster_enabled; },
        [&broadcaster] {
          const std::int64_t recovered = broadcaster.RecoverLeases();
          pg::worker::LogInfo("txrelay broadcaster started in database \"" + std::string(settings.database) +
                              "\"; " + std::to_string(recovered) + " outbox lease(s) recovered");
        },
        [&broadcaster] { return broadcaster.RunOnce(); },
        [&broadcaster] { return broadcaster.NextDueMs(); },
        configure,
    });
  });
}
