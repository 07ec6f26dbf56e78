// txrelay.reconcile(chain_id): asks the tracker process for a reconciliation run. The caller (an operator,
// a pg_cron job) never waits on the chain: the run is a row, the tracker is woken at commit, and
// the report lands in txrelay.reconciliation_runs. txrelay.dismiss_unknown_transaction settles
// what a run found on chain and no withdrawal will adopt.

#include "api/lookups.hpp"
#include "core/address.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"
#include "store/reconciliation_runs.hpp"
#include "store/unknown_transactions.hpp"

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

// dismiss_unknown_transaction(chain_id, from_address, nonce, reason) -> unknown_transactions: an
// operator settles a transaction of a sender that the chain holds and no withdrawal will adopt.
TXRELAY_SQL_FUNCTION(txrelay_dismiss_unknown_transaction) {
  const pg::Args args(fcinfo);
  const std::int64_t chain_id = args.Int64(0, "chain_id");
  const std::string from = ParseAddress(args.Text(1, "from_address"), "from_address").Checksummed();
  const std::int64_t nonce = args.Int64(2, "nonce");
  if (nonce < 0) throw InvalidArgument("nonce", "is negative", "Got " + std::to_string(nonce) + ".");
  const std::string reason = CheckFreeText(args.Text(3, "reason"), "reason");
  pg::SpiConnection spi;
  api::RequireChain(chain_id);
  return store::DismissUnknownTransaction(chain_id, from, nonce, reason);
}
