// Withdrawal intake and cancellation (DESIGN §4, §4a).

#include "api/approvals.hpp"
#include "api/intake.hpp"
#include "api/lookups.hpp"
#include "api/senders.hpp"
#include "api/withdrawal_row.hpp"
#include "core/amount.hpp"  // before any PostgreSQL header (store/ledger.hpp needs it)
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "core/withdrawal_status.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/request_counters.hpp"
#include "pg/spi.hpp"
#include "store/ledger.hpp"
#include "store/outbox.hpp"
#include "store/senders.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

api::CheckedRequest RequestArgs(const pg::Args& args) {
  return api::CheckRequest(
      {args.Text(0, "idempotency_key"),
       {args.Text(1, "account"), args.Int64(2, "chain_id"), args.Text(3, "asset"), args.Text(4, "to_address"),
        args.NumericText(5, "amount"), args.Text(6, "risk_tier"), args.JsonbObjectText(7, "metadata")}});
}

Datum Replay(const api::CheckedRequest& r, const store::KeyHolder& holder) {
  const std::string id = api::ReplayOf(r, holder);
  pg::CountRequest(pg::RequestOutcome::kReplay);
  return store::ReturnWithdrawal(id);
}

// The new withdrawal, or nothing when a twin holds the key. Only under REPEATABLE READ or
// SERIALIZABLE can a committed twin be invisible here: PostgreSQL says 40001, said again here.
std::optional<store::WithdrawalRow> Insert(const api::CheckedRequest& r) {
  try {
    return store::InsertWithdrawal(
        r.key, std::vector<std::uint8_t>(r.fingerprint.begin(), r.fingerprint.end()), r.request);
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() == MAKE_SQLSTATE('4', '0', '0', '0', '1')) api::RefuseKeyUsedConcurrently(r.key);
    throw;
  }
}

}  // namespace

// request_withdrawal(idempotency_key, account, chain_id, asset, to_address, amount, risk_tier,
// metadata) -> withdrawals. Reserves the amount (RESERVE) in the same transaction. The same key
// with the same request returns the first row; with another request it is TR001.
TXRELAY_SQL_FUNCTION(txrelay_request_withdrawal) {
  const pg::Args args(fcinfo);
  const api::CheckedRequest r = RequestArgs(args);

  pg::SpiConnection spi;
  api::RequireAsset(r.request.chain_id, r.request.asset);
  const api::RiskTierInfo tier = api::RequireRiskTier(r.request.risk_tier);
  if (const auto holder = store::FindByIdempotencyKey(r.key)) return Replay(r, *holder);
  // A concurrent call with the same key is waited for on the key's unique index (no advisory
  // lock: any role could take that one and hold the key); if it committed, this is its replay.
  const auto inserted = Insert(r);
  if (!inserted) {
    if (const auto holder = store::FindByIdempotencyKey(r.key)) return Replay(r, *holder);
    throw Error(sqlstate::kSerializationFailure,
                "idempotency_key " + Quote(r.key) + " is being used concurrently", "", "Retry the call.");
  }
  api::ReserveRequested(r.key, inserted->id);
  api::AutoApprove(*inserted, tier);
  pg::CountRequest(pg::RequestOutcome::kNew);
  return store::ReturnWithdrawal(inserted->id);
}

namespace {

bool CanCancelFrom(WithdrawalStatus s) {
  return CanTransition(s, WithdrawalStatus::kCancelled) || CanTransition(s, WithdrawalStatus::kCancelling);
}

// The statuses the state machine lets a cancel leave from, for the error's detail ("a, b or c").
std::string CancellableStatuses() {
  std::vector<std::string> names;
  for (WithdrawalStatus s : kAllWithdrawalStatuses) {
    if (CanCancelFrom(s)) names.emplace_back(txrelay::Name(s));
  }
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return list;
}

void RefuseCancel(const store::WithdrawalRow& w) {
  const auto status = ParseWithdrawalStatus(w.status);
  if (status && CanCancelFrom(*status)) return;
  throw Error(sqlstate::kTransitionRefused,
              "withdrawal " + w.id + " is " + w.status + " and cannot be cancelled",
              "A cancel is possible while the payment is in no block (" + CancellableStatuses() + ").");
}

// After approval signed bytes may exist (the client's, the signer's, in a node's pool): the chain
// decides. The payment's open requests and jobs are closed, a gap filler priced to replace what
// was signed takes the nonce, and the amount stays reserved until the tracker sees who won.
void StartCancelRace(const store::WithdrawalRow& w, const store::Reservation& reservation,
                     const std::string& reason) {
  store::LockJobsOf(w.id);
  store::SetStatus(w.id, "cancelling",
                   "cancel asked: " + reason + "; a gap filler races the payment for nonce " +
                       std::to_string(reservation.nonce));
  store::CancelPendingRequests(w.id);
  store::CancelUnstarted(w.id);
  api::CreateGapFillerRequest(w, reservation.from_address, reservation.nonce, reservation.has_signer);
}

}  // namespace

// cancel(withdrawal_id, reason) -> withdrawals. Before approval: cancelled and released at once.
// After: cancelling, a race on chain (StartCancelRace); the tracker ends it cancelled (RELEASE) or,
// when the payment is mined first, included (the cancel lost). Cancelling a cancelled or
// cancelling withdrawal returns it unchanged.
TXRELAY_SQL_FUNCTION(txrelay_cancel) {
  const pg::Args args(fcinfo);
  const Datum id = args.Uuid(0, "withdrawal_id");
  const std::string reason = CheckFreeText(args.Text(1, "reason"), "reason");
  pg::SpiConnection spi;
  const store::WithdrawalRow w = api::LockWithdrawal(id, "withdrawal_id");
  if (w.status == "cancelled" || w.status == "cancelling") return store::ReturnWithdrawal(w.id);
  RefuseCancel(w);
  if (const auto reservation = store::ReservationOf(w.id)) {
    StartCancelRace(w, *reservation, reason);
  } else {
    store::SetStatus(w.id, "cancelled", "cancelled: " + reason);
    store::PostWithdrawalEntry(w.id, "RELEASE");
  }
  return store::ReturnWithdrawal(w.id);
}
