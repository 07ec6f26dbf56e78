// Approval decisions (DESIGN §4): approve reserves the nonce and creates the signature request
// in the same transaction; reject releases the reservation.
#pragma once

#include <optional>
#include <string>

#include "store/approvals.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::api {

// decided_by of txrelay's own decisions ("txrelay:auto:<tier>" for auto-approval). No approver may
// write a decided_by that starts like it (any case): the record must tell people from policy.
inline constexpr const char* kOwnDeciderPrefix = "txrelay:";
inline constexpr const char* kAutoDeciderPrefix = "txrelay:auto:";

struct Decision {
  std::string approval_id;
  std::string policy_decision_id;
  std::string decided_by;
};

// Approves a withdrawal that is locked and in status 'requested': picks and locks a sender,
// reserves its next nonce, records the approval, moves the withdrawal to 'approved' and creates
// the signature request (and its outbox row when the sender has a signer). Throws TR008 before
// writing anything when no sender is usable.
void ApproveLocked(const store::WithdrawalRow& w, const Decision& decision);

// The status reason of an approval: who approved it on which policy decision.
std::string ApprovalReason(const Decision& d);

// decided_by, checked: an identifier that does not start like txrelay's own deciders (22023).
std::string CheckDecider(const std::string& text);

// The single-use rules of a decision on a locked withdrawal, given the decisions recorded under
// its approval_id and (when that has none) its policy_decision_id: true when it repeats a
// recorded decision exactly (a replay: nothing to write), TR007 when either identifier was used
// otherwise, TR003 when the withdrawal is no longer 'requested'; false: decide.
bool IsReplay(const store::WithdrawalRow& w, const Decision& d, const char* decision,
              const std::optional<store::DecisionRow>& by_approval,
              const std::optional<store::DecisionRow>& by_policy);

}  // namespace txrelay::api
