// txrelay.reconcile(): asks the tracker process for a reconciliation run. The caller (an operator,
// a pg_cron job) never waits on the chain: the run is a row, the tracker is woken at commit, and
// the report lands in txrelay.reconciliation_runs.

#include "api/lookups.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"

using namespace txrelay;

// reconcile() -> run_id: the run already requested or running, or a new one.
TXRELAY_SQL_FUNCTION(txrelay_reconcile) {
  pg::SpiConnection spi;
  // Two callers at once (two cron schedules, a DBA) get the same run, not two.
  api::LockKey(api::KeyKind::kReconcile, "reconcile");
  static const pg::Statement kOpen(
      "SELECT run_id FROM txrelay.reconciliation_runs WHERE status IN ('requested', 'running') ORDER BY run_id LIMIT 1",
      {});
  const auto open = kOpen.Run({});
  if (!open.empty()) return Int64GetDatum(open.front().Int64(0));
  static const pg::Statement kRequest("INSERT INTO txrelay.reconciliation_runs DEFAULT VALUES RETURNING run_id", {});
  const std::int64_t run_id = kRequest.Run({}).front().Int64(0);
  pg::WakeAtCommit(pg::WorkerKind::kTracker);
  return Int64GetDatum(run_id);
}
