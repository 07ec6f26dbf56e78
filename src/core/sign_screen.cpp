#include "core/sign_screen.hpp"

#include "core/amount.hpp"

namespace txrelay {

namespace {

std::string Describe(const ChainUnknownTx& u) {
  return "transaction " + u.hash + " of " + u.from + " at nonce " + std::to_string(u.nonce) + " (to " +
         u.call.to + ", " + ToDecimal(u.call.value) + " wei)";
}

}  // namespace

ScreenVerdict ScreenBeforeSigning(const SignJobFacts& job, const std::vector<ChainUnknownTx>& open_of_chain) {
  for (const ChainUnknownTx& u : open_of_chain) {
    if (u.from != job.from || u.nonce != job.nonce) continue;
    if (job.payment && SameCall(u.call, job.asked)) {
      return {ScreenAction::kAdopt,
              "the chain's " + Describe(u) + " is exactly this payment: adopted, nothing signed", &u};
    }
    return {ScreenAction::kQuarantine,
            "the chain holds " + Describe(u) + ", unknown to the database, at the nonce of this " +
                (job.payment ? std::string("payment, which asks for another call")
                             : std::string("signature request")),
            &u};
  }
  if (job.payment) {
    for (const ChainUnknownTx& u : open_of_chain) {
      if (SameCall(u.call, job.asked)) {
        return {
            ScreenAction::kHold,
            "may be paid already: the chain's " + Describe(u) +
                " makes exactly this payment; held until the withdrawal is cancelled or the transaction dismissed",
            &u};
      }
    }
  }
  std::string nonces;
  for (const ChainUnknownTx& u : open_of_chain) {
    if (u.from == job.from) nonces += (nonces.empty() ? "" : ", ") + std::to_string(u.nonce);
  }
  if (!nonces.empty()) {
    return {
        ScreenAction::kHold,
        "sender " + job.from + " has transactions on chain the database does not know at nonce(s) " + nonces +
            ": nothing new is signed with it until retried withdrawals adopt them or an operator dismisses them",
        nullptr};
  }
  return {};
}

}  // namespace txrelay
