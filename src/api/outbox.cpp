#include "core/error.hpp"
#include "store/outbox.hpp"
#include "store/withdrawals.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/trigger.hpp"
#include "pg/wakeup.hpp"

using namespace txrelay;

// requeue_dead(outbox_id bigint) -> outbox: a dead letter back to the queue, with a fresh retry
// budget; its last error stays for the record and the withdrawal's timeline gets a note.
TXRELAY_SQL_FUNCTION(txrelay_requeue_dead) {
  const pg::Args args(fcinfo);
  const std::int64_t outbox_id = args.Int64(0, "outbox_id");
  pg::SpiConnection spi;
  const auto job = store::LockJob(outbox_id);
  if (!job) {
    throw InvalidArgument("outbox_id", "does not name an outbox row",
                          "No outbox row " + std::to_string(outbox_id) + ".");
  }
  if (job->status != "dead") {
    throw InvalidArgument("outbox_id", "is not a dead letter",
                          "Outbox row " + std::to_string(outbox_id) + " is " + job->status +
                              "; only dead letters can be requeued.");
  }
  const Datum row = store::Requeue(outbox_id);
  if (job->withdrawal_id) {
    store::AddNote(*job->withdrawal_id, "requeued", "dead letter requeued by operator",
                   "{\"outbox_id\": " + std::to_string(outbox_id) + "}");
  }
  return row;
}

// AFTER INSERT OR UPDATE on outbox, per statement: whoever queues work (an API call, a requeue, an
// owner's direct insert), the broadcaster wakes when that transaction commits.
TXRELAY_SQL_FUNCTION(txrelay_wake_workers) {
  const pg::Trigger trigger(fcinfo);
  pg::WakeAtCommit(pg::WorkerKind::kBroadcaster);
  return trigger.ProceedUnchanged();
}
