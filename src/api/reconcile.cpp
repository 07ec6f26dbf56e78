// txrelay.reconcile(chain_id): asks the tracker process for a reconciliation run. The caller (an operator,
// a pg_cron job) never waits on the chain: the run is a row, the tracker is woken at commit, and
// the report lands in txrelay.reconciliation_runs.

#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"

using namespace txrelay;

// reconcile(chain_id) -> run_id: the run of that scope (a chain, or every chain when NULL) already
// requested or running, or a new one.
TXRELAY_SQL_FUNCTION(txrelay_reconcile) {
  const pg::Args args(fcinfo);
  const std::optional<std::int64_t> chain_id = args.OptionalInt64(0);
  pg::SpiConnection spi;
  if (chain_id) api::RequireChain(*chain_id);
  // Two callers at once (two cron schedules, a DBA) get the same run, not two.
  api::LockKey(api::KeyKind::kReconcile, "reconcile");
  const pg::Param scope = chain_id ? pg::Int8Param(*chain_id) : pg::DatumParam(INT8OID, Datum(0), true);
  static const pg::Statement kOpen(
      "SELECT run_id FROM txrelay.reconciliation_runs WHERE status IN ('requested', 'running') "
      "AND chain_id IS NOT DISTINCT FROM $1 ORDER BY run_id LIMIT 1",
      {INT8OID});
  const auto open = kOpen.Run({scope});
  if (!open.empty()) return Int64GetDatum(open.front().Int64(0));
  static const pg::Statement kRequest(
      "INSERT INTO txrelay.reconciliation_runs (chain_id) VALUES ($1) RETURNING run_id", {INT8OID});
  const std::int64_t run_id = kRequest.Run({scope}).front().Int64(0);
  pg::WakeAtCommit(pg::WorkerKind::kTracker);
  return Int64GetDatum(run_id);
}
