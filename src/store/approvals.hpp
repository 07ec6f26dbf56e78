// Approval decisions (DESIGN §4): one per withdrawal, approval_id and policy_decision_id
// single-use (UNIQUE; the API turns a violation into TR007).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrelay::store {

struct DecisionRow {
  std::string approval_id, withdrawal_id, policy_decision_id, decided_by, decision;
};
std::optional<DecisionRow> FindDecisionByApproval(const std::string& approval_id);
std::optional<DecisionRow> FindDecisionByPolicy(const std::string& policy_decision_id);

// The recorded decisions that hold any of the approval_ids or policy_decision_ids.
std::vector<DecisionRow> FindDecisions(const std::vector<std::string>& approval_ids,
                                       const std::vector<std::string>& policy_decision_ids);

// decision: "approved" or "rejected". A concurrent reuse surfaces as pg::PgError on
// approvals_pkey or approvals_policy_decision_id_key.
void InsertDecision(const DecisionRow& decision, const std::optional<std::string>& reason);
// InsertDecision for many decisions (no reason) in one statement.
void InsertDecisions(const std::vector<DecisionRow>& decisions);

// What was auto-approved (decided_by starting with `decider_prefix`) for the account and asset in
// the last 24 hours: the sum of the amounts (decimal) and the count. Call it with the account's
// ledger row locked (the RESERVE just posted), so that concurrent requests count each other.
struct ApprovedTotals {
  std::string sum;
  std::int64_t count = 0;
};
ApprovedTotals AutoApprovedLastDay(const std::string& account, std::int64_t chain_id,
                                   const std::string& asset, const std::string& decider_prefix);

}  // namespace txrelay::store
