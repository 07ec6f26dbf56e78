#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "api/approvals.hpp"
#include "api/senders.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

namespace txrelay::api {

namespace {

void InsertDecision(const WithdrawalRow& w, const Decision& d, const char* decision,
                    const std::optional<std::string>& reason) {
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by, "
      "reason) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  try {
    kInsert.Run({d.approval_id, pg::DatumParam(UUIDOID, w.id), pg::TextParam(d.policy_decision_id),
                 pg::TextParam(decision), pg::TextParam(d.decided_by), pg::OptionalTextParam(reason)});
  } catch (const pg::PgError& e) {
    // A concurrent call used the same identifier for another withdrawal and committed first.
    const std::string constraint = e.constraint();
    if (constraint == "approvals_pkey") {
      throw Error(sqlstate::kAlreadyUsed, "approval_id " + d.approval_id_text + " was already used");
    }
    if (constraint == "approvals_policy_decision_id_key") {
      throw Error(sqlstate::kAlreadyUsed,
                  "policy_decision_id " + Quote(d.policy_decision_id) + " was already used");
    }
    throw;
  }
}

}  // namespace

void ApproveLocked(const WithdrawalRow& w, const Decision& d) {
  const LockedSender sender = PickSender(w.chain_id, w.id_text);
  const std::int64_t nonce = ReserveNonce(w.chain_id, sender, w);
  InsertDecision(w, d, "approved", std::nullopt);
  SetWithdrawalStatus(w, "approved",
                      "approved by " + d.decided_by + " (policy decision " + d.policy_decision_id + ")");
  CreateSignatureRequest(w, SignatureKind::kWithdrawal, sender.address, nonce, sender.signer.has_value());
}

}  // namespace txrelay::api

namespace {

struct DecisionCall {
  api::WithdrawalRow withdrawal;
  api::Decision decision;
  bool replay = false;  // the same decision was already recorded: return the row unchanged
};

// Shared by approve and reject: validates the arguments, locks the withdrawal and applies the
// single-use rules of approval_id and policy_decision_id (TR007); an identical repeat of a
// recorded decision is a replay, not an error, so a caller can retry after a lost connection.
DecisionCall BeginDecision(const pg::Args& args, const char* decision) {
  DecisionCall call;
  const Datum withdrawal_id = args.Uuid(0, "withdrawal_id");
  const Datum approval_id = args.Uuid(1, "approval_id");
  call.decision.approval_id = pg::DatumParam(UUIDOID, approval_id);
  call.decision.approval_id_text = pg::TextOfUuid(approval_id);
  call.decision.policy_decision_id =
      CheckIdentifier(args.Text(2, "policy_decision_id"), "policy_decision_id");
  call.decision.decided_by = CheckIdentifier(args.Text(3, "decided_by"), "decided_by");
  call.withdrawal = api::LockWithdrawal(withdrawal_id, "withdrawal_id");

  static const pg::Statement kByApproval(
      "SELECT withdrawal_id::text, policy_decision_id, decided_by, decision FROM txrelay.approvals WHERE "
      "approval_id = $1",
      {UUIDOID});
  static const pg::Statement kByPolicy(
      "SELECT approval_id::text, withdrawal_id::text FROM txrelay.approvals WHERE policy_decision_id = $1",
      {TEXTOID});
  const auto prior = kByApproval.Run({call.decision.approval_id});
  if (!prior.empty()) {
    const auto r = prior.front();
    if (r.Text(0) == call.withdrawal.id_text && r.Text(1) == call.decision.policy_decision_id &&
        r.Text(2) == call.decision.decided_by && r.Text(3) == decision) {
      call.replay = true;
      return call;
    }
    throw Error(sqlstate::kAlreadyUsed, "approval_id " + call.decision.approval_id_text + " was already used",
                "It recorded decision " + r.Text(3) + " on withdrawal " + r.Text(0) + " (policy decision " +
                    Quote(r.Text(1)) + ", by " + Quote(r.Text(2)) + ").",
                "Every decision needs a new approval_id.");
  }
  const auto policy = kByPolicy.Run({pg::TextParam(call.decision.policy_decision_id)});
  if (!policy.empty()) {
    throw Error(sqlstate::kAlreadyUsed,
                "policy_decision_id " + Quote(call.decision.policy_decision_id) + " was already used",
                "It is recorded as approval " + policy.front().Text(0) + " of withdrawal " +
                    policy.front().Text(1) + ".",
                "A policy decision authorises one withdrawal once.");
  }
  if (call.withdrawal.status != "requested") {
    throw Error(sqlstate::kTransitionRefused,
                "withdrawal " + call.withdrawal.id_text + " is " + call.withdrawal.status + ", not requested",
                std::string("Only a requested withdrawal can be ") + decision + ".");
  }
  return call;
}

}  // namespace

// approve(withdrawal_id, approval_id, policy_decision_id, decided_by) -> withdrawals
TXRELAY_SQL_FUNCTION(txrelay_approve) {
  const pg::Args args(fcinfo);
  pg::SpiConnection spi;
  const DecisionCall call = BeginDecision(args, "approved");
  if (!call.replay) api::ApproveLocked(call.withdrawal, call.decision);
  return api::ReturnWithdrawal(call.withdrawal.id);
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
    api::SetWithdrawalStatus(call.withdrawal, "rejected",
                             "rejected by " + call.decision.decided_by + " (policy decision " +
                                 call.decision.policy_decision_id + "): " + reason);
    api::PostWithdrawalEntry(call.withdrawal, "RELEASE");
  }
  return api::ReturnWithdrawal(call.withdrawal.id);
}
