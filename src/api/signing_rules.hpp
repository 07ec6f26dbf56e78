// What a signed transaction must be to be recorded, one copy for submit_signed and the
// broadcaster's round (_submit_signed_round, issue 23): the request signable in its withdrawal's
// status, the transaction exactly the request's call within the caps, and how the recorded
// attempt shows in the withdrawal's history.
#pragma once

#include <string>

#include "core/eth/signed_tx_check.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::api {

// The request may be signed now: not cancelled, its withdrawal in a status it is signed in, its
// nonce not already in a block (TR003). A payment of a cancelling withdrawal is only recorded.
void CheckSignable(const std::string& request_id, const store::LockedRequest& req,
                   const store::WithdrawalRow& w);

// What the signed transaction must be: exactly the request's call at its nonce, within the caps.
eth::ExpectedTx Expected(const store::LockedRequest& req);

// How a recorded attempt shows in its withdrawal: a move to signed (a payment) or a note (a gap
// filler, a fee bump, a payment signed while its withdrawal is being cancelled), and whether it
// is to be sent (never while the cancel races).
struct SignedMark {
  bool moves_to_signed = false;
  std::string note_event;  // when it does not move
  std::string reason;
  bool sends = true;
};
SignedMark MarkOfSigned(const store::LockedRequest& req, const store::WithdrawalRow& w,
                        const std::string& attempt_id, const std::string& tx_hash);

}  // namespace txrelay::api
