#include "bgworker/checkpointer.hpp"

#include <algorithm>
#include <string>

#include "bgworker/worker_settings.hpp"
#include "pg/postgres.hpp"
#include "pg/spi.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {
std::int64_t IntervalMs() { return static_cast<std::int64_t>(settings.ledger_checkpoint_interval_s) * 1000; }
}  // namespace

bool LedgerCheckpointer::RunIfDue() {
  if (settings.ledger_checkpoint_interval_s == 0) return false;
  const std::int64_t now = pg::worker::NowMs();
  if (!known_) {
    // The schedule survives restarts and failovers: due one interval after the newest checkpoint.
    static const pg::Statement kAge(
        "SELECT (extract(epoch FROM now() - max(taken_at)) * 1000)::bigint FROM txrelay.ledger_checkpoints",
        {});
    pg::WorkerTransaction txn;
    const auto row = kAge.Run({}).front();
    txn.Commit();
    last_try_ms_ = row.IsNull(0) ? now - IntervalMs() : now - row.Int64(0);
    known_ = true;
  }
  if (now < last_try_ms_ + IntervalMs()) return false;
  last_try_ms_ = now;

  static const pg::Statement kTake(
      "SELECT t.version, encode(t.hash, 'hex'), "
      "  (SELECT count(*) FROM txrelay.ledger_checkpoint_accounts a WHERE a.version = t.version) "
      "FROM txrelay.take_ledger_checkpoint() t",
      {});
  pg::worker::ReportActive("taking a ledger checkpoint");
  pg::WorkerTransaction txn;
  std::string taken;
  const auto error = pg::RunInSubTransaction([&] {
    const auto row = kTake.Run({}).front();
    taken = "ledger checkpoint " + std::to_string(row.Int64(0)) + " taken: " + std::to_string(row.Int64(2)) +
            " accounts changed since the one before; hash 0x" + row.Text(1);
  });
  if (error) {
    static const pg::Statement kRefused(
        "INSERT INTO txrelay.ledger_checkpoint_refusals (version, message) "
        "SELECT coalesce(max(version), 0) + 1, $1 FROM txrelay.ledger_checkpoints",
        {TEXTOID});
    kRefused.Run({pg::TextParam(error->message)});
  }
  txn.Commit();
  if (error) {
    // No checkpoint was written, only the refusal (for the ledger_verification_failed alert); the
    // next try is one interval later, or an operator runs take_ledger_checkpoint() after the repair.
    pg::worker::LogWarning(
        "txrelay tracker: CRITICAL: " + error->message +
        "; see SELECT * FROM txrelay.verify_ledger() and docs/runbook.md (ledger_verification_failed)");
  } else {
    pg::worker::LogInfo("txrelay tracker: " + taken);
  }
  return true;
}

long LedgerCheckpointer::NextDueMs() const {
  if (settings.ledger_checkpoint_interval_s == 0 || !known_) return -1;
  return static_cast<long>(std::max<std::int64_t>(0, last_try_ms_ + IntervalMs() - pg::worker::NowMs()));
}

}  // namespace txrelay::bgworker
