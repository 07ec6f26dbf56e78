// Approval decisions (DESIGN §4): approve reserves the nonce and creates the signature request
// in the same transaction; reject releases the reservation.
#pragma once

#include <string>

#include "store/withdrawals.hpp"

namespace txrelay::api {

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
