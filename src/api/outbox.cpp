#include "core/error.hpp"
#include "api/outbox.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/trigger.hpp"
#include "pg/wakeup.hpp"

namespace txrelay::api {

void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id) {
  static const pg::Statement kEnqueue("SELECT txrelay._enqueue_sign($1, $2::uuid, $3::uuid)",
                                      {INT8OID, TEXTOID, TEXTOID});
  kEnqueue.Run({pg::Int8Param(chain_id), pg::TextParam(withdrawal_id), pg::TextParam(signature_request_id)});
}

std::int64_t CancelPendingOutbox(const std::string& withdrawal_id) {
  static const pg::Statement kCancel(
      "UPDATE txrelay.outbox SET status = 'cancelled', updated_at = now(), done_at = now() "
      "WHERE withdrawal_id = $1::uuid AND status IN ('pending', 'leased', 'dead') "
      "RETURNING outbox_id",
      {TEXTOID});
  return static_cast<std::int64_t>(kCancel.Run({pg::TextParam(withdrawal_id)}).size());
}

}  // namespace txrelay::api

using namespace txrelay;

// requeue_dead(outbox_id bigint) -> outbox: a dead letter back to the queue, with a fresh retry
// budget; its last error stays for the record and the withdrawal's timeline gets a note.
TXRELAY_SQL_FUNCTION(txrelay_requeue_dead) {
  const pg::Args args(fcinfo);
  const std::int64_t outbox_id = args.Int64(0, "outbox_id");
  pg::SpiConnection spi;
  static const pg::Statement kLock(
      "SELECT status, withdrawal_id::text FROM txrelay.outbox WHERE outbox_id = $1 FOR UPDATE", {INT8OID});
  const auto rows = kLock.Run({pg::Int8Param(outbox_id)});
  if (rows.empty()) {
    throw InvalidArgument("outbox_id", "does not name an outbox row",
                          "No outbox row " + std::to_string(outbox_id) + ".");
  }
  const std::string status = rows.front().Text(0);
  const auto withdrawal_id = rows.front().OptionalText(1);
  if (status != "dead") {
    throw InvalidArgument(
        "outbox_id", "is not a dead letter",
        "Outbox row " + std::to_string(outbox_id) + " is " + status + "; only dead letters can be requeued.");
  }
  static const pg::Statement kRequeue(
      "UPDATE txrelay.outbox o SET status = 'pending', tries = 0, available_at = now(), "
      "lease_owner = NULL, lease_expires_at = NULL, requeue_count = requeue_count + 1, "
      "updated_at = now() WHERE outbox_id = $1 RETURNING o",
      {INT8OID});
  const Datum row = kRequeue.Run({pg::Int8Param(outbox_id)}).front().TransferValue(0);
  if (withdrawal_id) {
    api::AddWithdrawalNote(*withdrawal_id, "requeued", "dead letter requeued by operator",
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
