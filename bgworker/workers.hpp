// Registration of txrelay's background workers (DESIGN §5).
#pragma once

namespace txrelay::bgworker {

// Defines the workers' settings and registers the workers with the postmaster. Called from
// _PG_init while shared_preload_libraries is being processed.
void RegisterWorkers();

}  // namespace txrelay::bgworker
