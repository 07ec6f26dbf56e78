#include "bgworker/checkpointer.hpp"

#include <algorithm>
#include <string>

#include "bgworker/worker_settings.hpp"
#include "store/ledger.hpp"
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
    pg::WorkerTransaction txn;
    const auto age = store::MsSinceLastCheckpoint();
    txn.Commit();
    last_try_ms_ = now - age.value_or(IntervalMs());
    known_ = true;
  }
  if (now < last_try_ms_ + IntervalMs()) return false;
  last_try_ms_ = now;
  Take();
  return true;
}

void LedgerCheckpointer::Take() {
  pg::worker::ReportActive("taking a ledger checkpoint");
  pg::WorkerTransaction txn;
  std::string taken;
  const auto error = pg::RunInSubTransaction([&] {
    const store::CheckpointTaken t = store::TakeCheckpoint();
    taken = "ledger checkpoint " + std::to_string(t.version) +
            " taken: " + std::to_string(t.accounts_changed) +
            " accounts changed since the one before; hash 0x" + t.hash_hex;
  });
  if (error) store::RecordCheckpointRefusal(error->message);
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
}

long LedgerCheckpointer::NextDueMs() const {
  if (settings.ledger_checkpoint_interval_s == 0 || !known_) return -1;
  return static_cast<long>(std::max<std::int64_t>(0, last_try_ms_ + IntervalMs() - pg::worker::NowMs()));
}

}  // namespace txrelay::bgworker
