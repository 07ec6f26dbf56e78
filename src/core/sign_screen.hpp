// The broadcaster's look at a sign job against its chain's open unknown transactions (issue 20,
// decision 79): transactions of our senders that the chain holds and the database does not know
// (a restore to an earlier point forgot them, or the key was used outside txrelay). Pure logic:
// bgworker/broadcaster_adopt.cpp gathers the facts and acts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/reconciliation.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

struct ChainUnknownTx {
  std::string from;  // checksummed
  std::uint64_t nonce = 0;
  std::string hash;
  CallShape call;
};

struct SignJobFacts {
  std::string from;  // checksummed
  std::uint64_t nonce = 0;
  bool payment = false;  // a withdrawal's payment (not a gap filler or a fee bump)
  CallShape asked;
};

enum class ScreenAction {
  kSign,        // nothing on chain stands in the way
  kAdopt,       // the chain's transaction at the job's nonce is exactly this payment: record it, sign nothing
  kQuarantine,  // the chain used the job's nonce for another call: the sender stops
  kHold,        // wait: the sender has unknown transactions open, or the payment may be made already
};

struct ScreenVerdict {
  ScreenAction action = ScreenAction::kSign;
  std::string why;                     // for the log and the outbox row; empty for kSign
  const ChainUnknownTx* tx = nullptr;  // kAdopt, kQuarantine, and a kHold for the same call elsewhere
};

// In order: the job's own nonce used on chain (adopt an exact payment, else quarantine); a payment
// the chain already made from another sender or nonce (hold: signing it would pay again); any
// other open unknown transaction of the job's sender (hold until each is adopted or dismissed).
ScreenVerdict ScreenBeforeSigning(const SignJobFacts& job, const std::vector<ChainUnknownTx>& open_of_chain);

}  // namespace txrelay
