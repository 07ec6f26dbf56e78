// The withdrawal state machine in the database (DESIGN §4): triggers that hold for every writer,
// a DBA in psql included, and the transition table as a set-returning function.

#include "core/error.hpp"
#include "core/status_sets.hpp"
#include "core/withdrawal_status.hpp"
#include "store/withdrawals.hpp"
#include "pg/arrays.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/trigger.hpp"

using namespace txrelay;

namespace {

// What a request was: never edited after it is accepted (the fingerprint depends on it).
constexpr const char* kImmutableColumns[] = {
    "withdrawal_id", "idempotency_key", "request_fingerprint", "account",  "chain_id",   "asset",
    "to_address",    "amount",          "risk_tier",           "metadata", "created_at",
};

}  // namespace

// BEFORE INSERT OR UPDATE on withdrawals: a new row starts in 'requested'; an update keeps the
// request fields, never rewrites completed_at, and moves status only along the table.
TXRELAY_SQL_FUNCTION(txrelay_withdrawals_check) {
  const pg::Trigger trigger(fcinfo);
  if (trigger.IsInsert()) {
    CheckInitialStatus(trigger.NewText("status").value_or(""));
    if (trigger.NewText("completed_at")) {
      throw Error(sqlstate::kTransitionRefused, "a new withdrawal cannot be completed",
                  "completed_at is set once, when the withdrawal reaches its risk tier's level.");
    }
    return trigger.ProceedUnchanged();
  }
  for (const char* column : kImmutableColumns) {
    if (trigger.Changed(column)) {
      throw Error(sqlstate::kAppendOnly, std::string("withdrawal column ") + column + " cannot be changed",
                  "The request fields of a withdrawal are fixed when it is accepted.",
                  "Cancel or reject the withdrawal and request a new one.");
    }
  }
  if (trigger.OldText("completed_at") && trigger.Changed("completed_at")) {
    throw Error(sqlstate::kAppendOnly, "withdrawal column completed_at cannot be changed once set",
                "A withdrawal completes once.");
  }
  if (!trigger.Changed("status")) return trigger.ProceedUnchanged();

  const auto from = trigger.OldText("status").value_or("");
  const auto to = trigger.NewText("status").value_or("");
  CheckTransition(from, to);
  std::vector<std::pair<const char*, pg::Param>> replace;
  replace.emplace_back(
      "status_changed_at",
      pg::DatumParam(TIMESTAMPTZOID, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())));
  // A reason belongs to one transition: an UPDATE that does not give one does not inherit the last.
  if (!trigger.Changed("status_reason"))
    replace.emplace_back("status_reason", pg::DatumParam(TEXTOID, Datum(0), true));
  return trigger.ProceedWith(replace);
}

// AFTER INSERT and AFTER UPDATE on withdrawals, FOR EACH STATEMENT with the transition tables:
// the statement's transitions in one INSERT (a multi-row status move, as the workers and the
// batch API make, writes its events in one statement rather than one per row).
TXRELAY_SQL_FUNCTION(txrelay_withdrawals_record_events) {
  const pg::Trigger trigger(fcinfo);
  if (trigger.IsBefore() || trigger.IsRowLevel() || !(trigger.IsInsert() || trigger.IsUpdate())) {
    throw std::logic_error("_withdrawals_record_events must be an AFTER INSERT or UPDATE statement trigger");
  }
  pg::SpiConnection spi;
  trigger.RegisterTransitionTables();
  store::RecordStatementTransitions(trigger.IsUpdate());
  return trigger.ProceedUnchanged();
}

// The row-level events trigger of a 0.1.0 schema (until ALTER EXTENSION txrelay UPDATE replaces
// it with the statement-level one above): one withdrawal_events row per transition.
TXRELAY_SQL_FUNCTION(txrelay_withdrawals_record_event) {
  const pg::Trigger trigger(fcinfo);
  std::optional<std::string> from;
  if (trigger.IsUpdate()) {
    if (!trigger.Changed("status")) return trigger.ProceedUnchanged();
    from = trigger.OldText("status");
  }
  const auto id = trigger.NewText("withdrawal_id").value_or("");
  const auto to = trigger.NewText("status").value_or("");
  const auto reason = trigger.NewText("status_reason");
  pg::SpiConnection spi;
  store::RecordTransition(id, from, to, reason);
  return trigger.ProceedUnchanged();
}

// state_transitions() -> (from_status, to_status): the table the trigger enforces.
TXRELAY_SQL_FUNCTION(txrelay_state_transitions) {
  const auto transitions = WithdrawalTransitions();
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& [from, to] : transitions) rows.emplace_back(txrelay::Name(from), txrelay::Name(to));
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  pg::Call([=] { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
  for (const auto& [from, to] : rows) {
    const Datum values[2] = {pg::TextParam(from).value, pg::TextParam(to).value};
    const Datum* v = values;
    pg::Call([=] {
      const bool nulls[2] = {false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, const_cast<Datum*>(v),
                           const_cast<bool*>(nulls));
    });
  }
  return Datum(0);
}

// _status_set(set_name) -> text[]: a named set of statuses (core/status_sets.hpp), the one
// definition every view, index predicate and alert uses. IMMUTABLE: the planner folds it into a
// constant, so `status <> ALL (txrelay._status_set('final'))` plans like a literal list and a
// partial index with that predicate serves queries that say the same.
TXRELAY_SQL_FUNCTION(txrelay_status_set) {
  const pg::Args args(fcinfo);
  const std::string name = args.Text(0, "set_name");
  const auto set = ParseStatusSet(name);
  if (!set) {
    std::string names;
    for (StatusSet s : kAllStatusSets) names += (names.empty() ? "" : ", ") + std::string(txrelay::Name(s));
    throw InvalidArgument("set_name", "is not a status set",
                          "Got " + Quote(name) + "; the sets are " + names + ".");
  }
  std::vector<std::string> statuses;
  for (WithdrawalStatus s : Statuses(*set)) statuses.emplace_back(txrelay::Name(s));
  return pg::MakeTextArray(statuses);
}
