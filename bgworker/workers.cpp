// The broadcaster and the tracker arrive with their own issues; until then this registers their
// settings only, so that configuration written now (txrelay.database) keeps its meaning.

#include "bgworker/workers.hpp"
#include "pg/guard.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "utils/guc.h"  // DefineCustomStringVariable
}

namespace txrelay::bgworker {

namespace {
char* database_name = nullptr;
}  // namespace

void RegisterWorkers() {
  pg::Call([] {
    DefineCustomStringVariable("txrelay.database", "Database in which txrelay's workers run.",
                               "The database where CREATE EXTENSION txrelay was run.", &database_name,
                               "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  });
}

}  // namespace txrelay::bgworker
