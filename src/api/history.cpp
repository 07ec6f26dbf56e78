// Append-only history (DESIGN §1.5): ledger entries, withdrawal events, RPC audit rows, approvals
// and nonce reservations are never updated, deleted or truncated; withdrawals, signature
// requests, attempts and ledger accounts are never deleted or truncated. For every role,
// superusers included: the triggers are ENABLE ALWAYS.

#include "core/error.hpp"
#include "pg/function.hpp"
#include "pg/trigger.hpp"

using namespace txrelay;

TXRELAY_SQL_FUNCTION(txrelay_refuse_history_change) {
  const pg::Trigger trigger(fcinfo);
  const std::string table = trigger.TableName();
  throw Error(sqlstate::kAppendOnly,
              "txrelay." + table + " is append-only history: " + trigger.EventName() + " refused",
              "Rows of txrelay." + table + " are kept for ever so that every withdrawal can be audited.",
              "Record a correction as a new entry instead of changing the past.");
}
