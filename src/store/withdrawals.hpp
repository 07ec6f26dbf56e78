// The withdrawals table and its history (withdrawal_events): every write of a withdrawal's row,
// its status moves and its notes, for the SQL API and the workers alike. The state-machine
// trigger checks every move; these functions only say which one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/withdrawal_request.hpp"
#include "pg/datum.hpp"

namespace txrelay::store {

// A withdrawal's request and status, as the API functions decide on it.
struct WithdrawalRow {
  std::string id;
  std::string idempotency_key;
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string to_address;
  std::string amount;  // decimal wei
  std::string risk_tier;
  std::string status;
};

// SELECT ... FOR UPDATE: concurrent decisions on one withdrawal serialise here. nullopt: no such
// withdrawal.
std::optional<WithdrawalRow> LockWithdrawal(const std::string& withdrawal_id);

// A batch's withdrawals, SELECT ... FOR UPDATE in withdrawal_id order (concurrent batches lock
// in one order, so they wait for each other instead of deadlocking), each with whether the
// calling login sees it (txrelay._sees_withdrawal). Ids that name no withdrawal are absent.
struct SeenRow {
  WithdrawalRow row;
  bool sees = false;
};
std::vector<SeenRow> LockWithdrawals(const std::vector<std::string>& withdrawal_ids);

// The workers' lock of many withdrawals (no caller to see them), in the same order: id -> status.
std::map<std::string, std::string> LockStatuses(const std::vector<std::string>& withdrawal_ids);

// The withdrawal holding an idempotency key, with the request it was made with.
struct KeyHolder {
  std::string withdrawal_id;
  std::vector<std::uint8_t> fingerprint;
  WithdrawalRequest request;
  std::string idempotency_key;
};
std::optional<KeyHolder> FindByIdempotencyKey(const std::string& key);

// The withdrawals holding any of `keys`, in no particular order (a free key has none).
std::vector<KeyHolder> FindByIdempotencyKeys(const std::vector<std::string>& keys);

// Inserts a requested withdrawal, or nothing when its idempotency key is taken: a committed twin
// (a transaction still inserting the same key is waited for on the unique index, a lock only
// txrelay can take). Under REPEATABLE READ a twin committed after the snapshot is 40001.
std::optional<WithdrawalRow> InsertWithdrawal(const std::string& key,
                                              const std::vector<std::uint8_t>& fingerprint,
                                              const WithdrawalRequest& request);

// InsertWithdrawal for many requests in one statement, inserted in their order: the rows
// inserted, in that order (a key a committed twin holds is left out).
struct NewWithdrawal {
  std::string key;
  Hash32 fingerprint{};
  WithdrawalRequest request;
};
std::vector<WithdrawalRow> InsertWithdrawals(const std::vector<NewWithdrawal>& requests);

// Moves the withdrawal to `status`, whatever it is now (the trigger refuses what the table does
// not allow, TR003).
void SetStatus(const std::string& withdrawal_id, const std::string& status, const std::string& reason);

// SetStatus for many withdrawals in one statement, each with its reason.
void SetStatuses(const std::vector<std::string>& withdrawal_ids, const std::string& status,
                 const std::vector<std::string>& reasons);

// Moves the withdrawal from `from` to `to`; false (nothing written) if it is no longer in `from`.
bool MoveStatus(const std::string& withdrawal_id, const std::string& from, const std::string& to,
                const std::string& reason);

// MoveStatus for many withdrawals in one statement, each with its reason; those no longer in
// `from` are left as they are. Returns how many moved.
std::size_t MoveStatuses(const std::vector<std::string>& withdrawal_ids, const std::string& from,
                         const std::string& to, const std::vector<std::string>& reasons);

// Sets completed_at, once.
void MarkCompleted(const std::string& withdrawal_id);

// MarkCompleted for many, in one statement.
void MarkCompletedMany(const std::vector<std::string>& withdrawal_ids);

// A note in the withdrawal's history that does not change its status (a requeue, a fee bump).
void AddNote(const std::string& withdrawal_id, const std::string& event, const std::string& reason,
             const std::string& detail_json = "{}");

// AddNote for many withdrawals in one statement, each with its reason and detail.
void AddNotes(const std::vector<std::string>& withdrawal_ids, const std::string& event,
              const std::vector<std::string>& reasons, const std::vector<std::string>& details_json);

// The history rows of a statement's status transitions, from its transition tables (the events
// trigger's write; txrelay_new_rows, and txrelay_old_rows for an UPDATE, registered): a row per
// inserted withdrawal, and per withdrawal whose status the UPDATE changed.
void RecordStatementTransitions(bool update);

// The history row of one status transition (the row-level events trigger of a 0.1.0 schema).
void RecordTransition(const std::string& withdrawal_id, const std::optional<std::string>& from,
                      const std::string& to, const std::optional<std::string>& reason);

// NOTIFY txrelay_events with the withdrawal's identifiers, delivered at commit.
void Notify(const std::string& event, const std::string& withdrawal_id);

// Notify for many withdrawals, in one statement, in their order.
void NotifyMany(const std::string& event, const std::vector<std::string>& withdrawal_ids);

// The withdrawal's current row as a txrelay.withdrawals value in the caller's memory context,
// to return from an API function.
Datum ReturnWithdrawal(const std::string& withdrawal_id);

// Whether the calling login may see and act on the withdrawal (txrelay._sees_withdrawal: its own,
// or any for operators, approvers, auditors and superusers). True on a 0.1.0 schema, which has no
// owners.
bool CallerSees(const std::string& withdrawal_id);

}  // namespace txrelay::store
