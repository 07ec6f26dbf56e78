// The module: PostgreSQL's entry point for txrelay.so.

#include "bgworker/worker_settings.hpp"
#include "bgworker/workers.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"

#include "pg/request_counters.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

// Runs when the library loads. The workers need shared_preload_libraries; the SQL functions work
// either way, so loading on first use (without the workers) is allowed.
void _PG_init(void) {
  try {
    // Defined in every process that loads the library, so that the SQL reads them
    // (txrelay._setting) with or without preloading.
    txrelay::bgworker::DefineSettings(process_shared_preload_libraries_in_progress);
    if (process_shared_preload_libraries_in_progress) {
      txrelay::bgworker::RegisterWorkers();
      txrelay::pg::InstallRequestCounters();
    }
    txrelay::pg::ReserveSettingPrefix();
  } catch (const txrelay::pg::PgError& e) {
    ReThrowError(e.data());
  } catch (...) {
    elog(ERROR, "txrelay: initialisation failed");
  }
}
