// txrelay.reconcile(chain_id): asks the tracker process for a reconciliation run. The caller (an operator,
// a pg_cron job) never waits on the chain: the run is a row, the tracker is woken at commit, and
// the report lands in txrelay.reconciliation_runs.

#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"
#include "store/reconciliation_runs.hpp"

using namespace txrelay;

// reconcile(chain_id) -> run_id: the run of that scope (a chain, or every chain when NULL) already
// requested or running, or a new one.
TXRELAY_SQL_FUNCTION(txrelay_reconcile) {
  const pg::Args args(fcinfo);
  const std::optional<std::int64_t> chain_id = args.OptionalInt64(0);
  pg::SpiConnection spi;
  if (chain_id) api::RequireChain(*chain_id);
  // Two callers at once (two cron schedules, a DBA) get the same run, not two.
  store::LockRunRequests();
  if (const auto open = store::OpenRun(chain_id)) return Int64GetDatum(*open);
  const std::int64_t run_id = store::RequestRun(chain_id);
  pg::WakeAtCommit(pg::WorkerKind::kTracker);
  return Int64GetDatum(run_id);
}
