#include "core/withdrawal_status.hpp"

#include "core/error.hpp"

namespace txrelay {

namespace {

using S = WithdrawalStatus;

struct Transition {
  S from;
  S to;
};

// DESIGN §4. Forward only; a reorg is its own state that returns to `included`; `finalized`,
// `failed`, `rejected`, `cancelled` and `replaced_externally` are terminal. A nonce consumed by a
// transaction that is not ours can be discovered at any point between approval and inclusion.
// A cancel after approval is a race on chain (decision 66): from the nonce's reservation on,
// signed bytes may exist (the client's, the signer's), so the money stays reserved in
// `cancelling` until the chain decides the nonce: our gap filler final -> `cancelled` (RELEASE),
// the payment mined -> `included` (the cancel lost), a foreign transaction -> replaced_externally.
constexpr Transition kTransitions[] = {
    {S::kRequested, S::kApproved},
    {S::kRequested, S::kRejected},
    {S::kRequested, S::kCancelled},
    {S::kApproved, S::kSigned},
    {S::kApproved, S::kCancelling},
    {S::kApproved, S::kReplacedExternally},
    {S::kSigned, S::kBroadcasted},
    {S::kSigned, S::kCancelling},
    {S::kSigned, S::kReplacedExternally},
    {S::kBroadcasted, S::kIncluded},
    {S::kBroadcasted, S::kCancelling},
    {S::kBroadcasted, S::kReplacedExternally},
    {S::kIncluded, S::kSafe},
    {S::kIncluded, S::kFinalized},
    {S::kIncluded, S::kReorged},
    {S::kIncluded, S::kFailed},
    {S::kSafe, S::kFinalized},
    {S::kSafe, S::kReorged},  // allowed, but the tracker raises a critical alert
    {S::kSafe, S::kFailed},
    {S::kReorged, S::kIncluded},
    {S::kReorged, S::kCancelling},  // asked by cancel(), or our gap filler took the nonce in a reorg
    {S::kReorged, S::kReplacedExternally},
    {S::kCancelling, S::kCancelled},  // the gap filler is final: the nonce is consumed unpaid
    {S::kCancelling, S::kIncluded},   // the payment was mined first: the cancel lost
    {S::kCancelling, S::kReplacedExternally},
};

constexpr std::pair<S, std::string_view> kStatusNames[] = {
    {S::kRequested, "requested"},   {S::kApproved, "approved"},
    {S::kSigned, "signed"},         {S::kBroadcasted, "broadcasted"},
    {S::kIncluded, "included"},     {S::kSafe, "safe"},
    {S::kFinalized, "finalized"},   {S::kReorged, "reorged"},
    {S::kFailed, "failed"},         {S::kRejected, "rejected"},
    {S::kCancelled, "cancelled"},   {S::kReplacedExternally, "replaced_externally"},
    {S::kCancelling, "cancelling"},
};

std::string AllowedFrom(S from) {
  std::string list;
  for (const auto& t : kTransitions) {
    if (t.from != from) continue;
    if (!list.empty()) list += ", ";
    list += Name(t.to);
  }
  return list;
}

}  // namespace

std::string_view Name(WithdrawalStatus status) {
  for (const auto& [s, name] : kStatusNames) {
    if (s == status) return name;
  }
  return "unknown";
}

std::optional<WithdrawalStatus> ParseWithdrawalStatus(std::string_view name) {
  for (const auto& [s, n] : kStatusNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool CanTransition(WithdrawalStatus from, WithdrawalStatus to) {
  for (const auto& t : kTransitions) {
    if (t.from == from && t.to == to) return true;
  }
  return false;
}

bool IsTerminal(WithdrawalStatus status) {
  for (const auto& t : kTransitions) {
    if (t.from == status) return false;
  }
  return true;
}

std::vector<std::pair<WithdrawalStatus, WithdrawalStatus>> WithdrawalTransitions() {
  std::vector<std::pair<WithdrawalStatus, WithdrawalStatus>> out;
  for (const auto& t : kTransitions) out.emplace_back(t.from, t.to);
  return out;
}

void CheckTransition(std::string_view from, std::string_view to) {
  const auto f = ParseWithdrawalStatus(from);
  const auto t = ParseWithdrawalStatus(to);
  if (!f || !t) {
    throw Error(sqlstate::kTransitionRefused, "unknown withdrawal status " + Quote(f ? to : from),
                "A withdrawal status is one of the states of the transition table "
                "(txrelay.state_transitions()).");
  }
  if (CanTransition(*f, *t)) return;
  const std::string allowed = AllowedFrom(*f);
  throw Error(sqlstate::kTransitionRefused,
              "withdrawal status cannot move from " + std::string(from) + " to " + std::string(to),
              allowed.empty()
                  ? std::string(from) + " is terminal: nothing follows it."
                  : "From " + std::string(from) + " the allowed next states are: " + allowed + ".");
}

void CheckInitialStatus(std::string_view status) {
  if (status == Name(kInitialWithdrawalStatus)) return;
  throw Error(sqlstate::kTransitionRefused,
              "a withdrawal must start in status requested, not " + Quote(status),
              "Withdrawals are created by txrelay.request_withdrawal and move only along the "
              "transition table.");
}

}  // namespace txrelay
