#include "bgworker/workers.hpp"

#include "bgworker/worker_settings.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

void RegisterWorkers() {
  pg::InstallWakeupSharedMemory();
  // Restarted a second after an error exit or a crash; exit code 0 (disabled) is final until
  // the next server start.
  pg::worker::Register("txrelay broadcaster", "txrelay_broadcaster_main", 1);
  pg::worker::Register("txrelay tracker", "txrelay_tracker_main", 1);
}

}  // namespace txrelay::bgworker
