#include <algorithm>
#include <cctype>

#include "api/approvals.hpp"

#include "api/senders.hpp"
#include "api/withdrawal_row.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "store/approvals.hpp"
#include "store/ledger.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

namespace txrelay::api {

namespace {

void InsertDecision(const store::WithdrawalRow& w, const Decision& d, const char* decision,
                    const std::optional<std::string>& reason) {
  try {
    store::InsertDecision({d.approval_id, w.id, d.policy_decision_id, d.decided_by, decision}, reason);
  } catch (const pg::PgError& e) {
    // A concurrent call used the same identifier for another withdrawal and committed first.
    const std::string constraint = e.constraint();
    if (constraint == "approvals_pkey") {
      throw Error(sqlstate::kAlreadyUsed, "approval_id " + d.approval_id + " was already used");
    }
    if (constraint == "approvals_policy_decision_id_key") {
      throw Error(sqlstate::kAlreadyUsed,
                  "policy_decision_id " + Quote(d.policy_decision_id) + " was already used");
    }
    throw;
  }
}

}  // namespace

void ApproveLocked(const store::WithdrawalRow& w, const Decision& d) {
  const store::LockedSender sender = PickSender(w.chain_id, w.id);
  const std::int64_t nonce = store::ReserveNonce(w.chain_id, sender.address, w.id);
  InsertDecision(w, d, "approved", std::nullopt);
  store::SetStatus(w.id, "approved", ApprovalReason(d));
  CreateSignatureRequest(w, SignatureKind::kWithdrawal, sender.address, nonce, sender.signer.has_value());
}

std::string ApprovalReason(const Decision& d) {
  return "approved by " + d.decided_by + " (policy decision " + d.policy_decision_id + ")";
}

std::string CheckDecider(const std::string& text) {
  const std::string decided_by = CheckIdentifier(text, "decided_by");
  std::string head = decided_by.substr(decided_by.find_first_not_of(" \t"));
  head = head.substr(0, std::char_traits<char>::length(kOwnDeciderPrefix));
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  if (head == kOwnDeciderPrefix) {
    throw InvalidArgument("decided_by", "is reserved for txrelay's own decisions",
                          "Got " + Quote(decided_by) +
                              "; a person's or a policy engine's name may not start with " +
                              Quote(kOwnDeciderPrefix) + ".");
  }
  return decided_by;
}

bool IsReplay(const store::WithdrawalRow& w, const Decision& d, const char* decision,
              const std::optional<store::DecisionRow>& by_approval,
              const std::optional<store::DecisionRow>& by_policy) {
  if (by_approval) {
    const store::DecisionRow& prior = *by_approval;
    if (prior.withdrawal_id == w.id && prior.policy_decision_id == d.policy_decision_id &&
        prior.decided_by == d.decided_by && prior.decision == decision) {
      return true;
    }
    throw Error(sqlstate::kAlreadyUsed, "approval_id " + d.approval_id + " was already used",
                "It recorded decision " + prior.decision + " on withdrawal " + prior.withdrawal_id +
                    " (policy decision " + Quote(prior.policy_decision_id) + ", by " +
                    Quote(prior.decided_by) + ").",
                "Every decision needs a new approval_id.");
  }
  if (by_policy) {
    throw Error(sqlstate::kAlreadyUsed,
                "policy_decision_id " + Quote(d.policy_decision_id) + " was already used",
                "It is recorded as approval " + by_policy->approval_id + " of withdrawal " +
                    by_policy->withdrawal_id + ".",
                "A policy decision authorises one withdrawal once.");
  }
  if (w.status != "requested") {
    throw Error(sqlstate::kTransitionRefused, "withdrawal " + w.id + " is " + w.status + ", not requested",
                std::string("Only a requested withdrawal can be ") + decision + ".");
  }
  return false;
}

}  // namespace txrelay::api

namespace {

struct DecisionCall {
  store::WithdrawalRow withdrawal;
  api::Decision decision;
  bool replay = false;  // the same decision was already recorded: return the row unchanged
};

// Shared by approve and reject: validates the arguments, locks the withdrawal and applies the
// single-use rules of approval_id and policy_decision_id (TR007); an identical repeat of a
// recorded decision is a replay, not an error, so a caller can retry after a lost connection.
DecisionCall BeginDecision(const pg::Args& args, const char* decision) {
  DecisionCall call;
  const Datum withdrawal_id = args.Uuid(0, "withdrawal_id");
  call.decision.approval_id = pg::TextOfUuid(args.Uuid(1, "approval_id"));
  call.decision.policy_decision_id =
      CheckIdentifier(args.Text(2, "policy_decision_id"), "policy_decision_id");
  call.decision.decided_by = api::CheckDecider(args.Text(3, "decided_by"));
  call.withdrawal = api::LockWithdrawal(withdrawal_id, "withdrawal_id");
  const auto prior = store::FindDecisionByApproval(call.decision.approval_id);
  call.replay =
      api::IsReplay(call.withdrawal, call.decision, decision, prior,
                    prior ? std::nullopt : store::FindDecisionByPolicy(call.decision.policy_decision_id));
  return call;
}

}  // namespace

// approve(withdrawal_id, approval_id, policy_decision_id, decided_by) -> withdrawals
TXRELAY_SQL_FUNCTION(txrelay_approve) {
  const pg::Args args(fcinfo);
  pg::SpiConnection spi;
  const DecisionCall call = BeginDecision(args, "approved");
  if (!call.replay) api::ApproveLocked(call.withdrawal, call.decision);
  return store::ReturnWithdrawal(call.withdrawal.id);
}

// reject(withdrawal_id, approval_id, policy_decision_id, decided_by, reason) -> withdrawals:
// the withdrawal ends 'rejected' and its reserved amount is released.
TXRELAY_SQL_FUNCTION(txrelay_reject) {
  const pg::Args args(fcinfo);
  const std::string reason = CheckFreeText(args.Text(4, "reason"), "reason");
  pg::SpiConnection spi;
  const DecisionCall call = BeginDecision(args, "rejected");
  if (!call.replay) {
    api::InsertDecision(call.withdrawal, call.decision, "rejected", reason);
    store::SetStatus(call.withdrawal.id, "rejected",
                     "rejected by " + call.decision.decided_by + " (policy decision " +
                         call.decision.policy_decision_id + "): " + reason);
    store::PostWithdrawalEntry(call.withdrawal.id, "RELEASE");
  }
  return store::ReturnWithdrawal(call.withdrawal.id);
}
