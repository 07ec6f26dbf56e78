// Approval decisions (DESIGN §4): approve reserves the nonce and creates the signature request
// in the same transaction; reject releases the reservation.
#pragma once

#include <string>

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

}  // namespace txrelay::api
