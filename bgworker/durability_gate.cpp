#include "bgworker/durability_gate.hpp"

#include "bgworker/worker_settings.hpp"
#include "pg/postgres.hpp"
#include "pg/spi.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

bool AttemptsOnSynchronousStandby(std::string& why) {
  if (!settings.require_synchronous_standby) return true;
  // Every attempt visible now was committed before this point of the WAL: its commit record ends
  // at or before the insert position, so a standby that flushed up to it has them all.
  static const pg::Statement kInsertLsn("SELECT pg_current_wal_insert_lsn()::text AS lsn", {});
  static const pg::Statement kStandbys(R"sql(
    SELECT count(*) FILTER (WHERE sync_state IN ('sync', 'quorum') AND flush_lsn >= $1::pg_lsn) AS flushed,
           coalesce(string_agg(application_name || ' (' || sync_state || ', flushed ' || coalesce(flush_lsn::text, '-')
                               || ')', ', '), 'none') AS standbys
      FROM pg_stat_replication)sql",
                                       {TEXTOID});
  std::string lsn;
  {
    pg::WorkerTransaction txn;
    lsn = kInsertLsn.Run({}).front().Text("lsn");
    txn.Commit();
  }
  const std::int64_t deadline = pg::worker::NowMs() + settings.standby_wait_ms;
  std::string standbys;
  while (true) {
    {
      pg::WorkerTransaction txn;
      const auto row = kStandbys.Run({pg::TextParam(lsn)}).front();
      const bool durable = row.Int64("flushed") > 0;
      standbys = row.Text("standbys");
      txn.Commit();
      if (durable) return true;
    }
    if (pg::worker::NowMs() >= deadline || pg::worker::StopRequested()) break;
    pg::worker::Wait({}, 20);
  }
  why = "waiting for a synchronous standby to flush WAL up to " + lsn +
        " (txrelay.require_synchronous_standby); standbys: " + standbys;
  return false;
}

}  // namespace txrelay::bgworker
