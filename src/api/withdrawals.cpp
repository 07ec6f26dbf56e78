// Withdrawal intake and cancellation (DESIGN §4, §4a).

#include <nlohmann/json.hpp>

#include "api/approvals.hpp"
#include "api/lookups.hpp"
#include "api/senders.hpp"
#include "api/withdrawal_row.hpp"
#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "core/withdrawal_request.hpp"
#include "core/withdrawal_status.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/request_counters.hpp"
#include "pg/spi.hpp"
#include "store/approvals.hpp"
#include "store/ledger.hpp"
#include "store/outbox.hpp"
#include "store/senders.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

constexpr std::size_t kMaxMetadataBytes = 8192;

WithdrawalRequest RequestArgs(const pg::Args& args) {
  WithdrawalRequest request;
  request.account = CheckIdentifier(args.Text(1, "account"), "account");
  request.chain_id = args.Int64(2, "chain_id");
  request.asset = args.Text(3, "asset");
  request.to_address = ParseNonZeroAddress(args.Text(4, "to_address"), "to_address").Checksummed();
  request.amount = ToDecimal(ParseAmount(args.NumericText(5, "amount"), "amount", AmountRule::kPositive));
  request.risk_tier = args.Text(6, "risk_tier");
  request.metadata = args.JsonbObjectText(7, "metadata");
  if (request.metadata.size() > kMaxMetadataBytes) {
    throw InvalidArgument("metadata", "is too large",
                          "It has " + std::to_string(request.metadata.size()) +
                              " bytes as text; the limit is " + std::to_string(kMaxMetadataBytes) + ".");
  }
  return request;
}

// The key is taken: the same request is a replay (the first withdrawal), another one TR001.
Datum ReplayOrConflict(const std::string& key, const store::KeyHolder& holder,
                       const WithdrawalRequest& request, const Hash32& fingerprint) {
  if (!store::CallerSees(holder.withdrawal_id)) {  // another application's key: say nothing of it
    pg::CountRequest(pg::RequestOutcome::kConflict);
    throw Error(sqlstate::kIdempotencyConflict, "idempotency_key " + Quote(key) + " was already used",
                "Another application's withdrawal has this key.", "Use a new key.");
  }
  if (std::equal(holder.fingerprint.begin(), holder.fingerprint.end(), fingerprint.begin(),
                 fingerprint.end())) {
    pg::CountRequest(pg::RequestOutcome::kReplay);
    return store::ReturnWithdrawal(holder.withdrawal_id);
  }
  std::string fields;
  for (const auto& f : DifferingFields(holder.request, request)) fields += (fields.empty() ? "" : ", ") + f;
  pg::CountRequest(pg::RequestOutcome::kConflict);
  throw Error(sqlstate::kIdempotencyConflict,
              "idempotency_key " + Quote(key) + " was already used for a different request",
              "Withdrawal " + holder.withdrawal_id + " has this key; the requests differ in: " +
                  (fields.empty() ? std::string("fingerprint") : fields) + ".",
              "Retry with the original request to get its result, or use a new key for a new withdrawal.");
}

// The new withdrawal, or nothing when a twin holds the key. Only under REPEATABLE READ or
// SERIALIZABLE can a committed twin be invisible here: PostgreSQL says 40001, said again here.
std::optional<store::WithdrawalRow> Insert(const std::string& key, const Hash32& fingerprint,
                                           const WithdrawalRequest& request) {
  try {
    return store::InsertWithdrawal(key, std::vector<std::uint8_t>(fingerprint.begin(), fingerprint.end()),
                                   request);
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() == MAKE_SQLSTATE('4', '0', '0', '0', '1')) {
      throw Error(sqlstate::kSerializationFailure,
                  "idempotency_key " + Quote(key) + " was used by a concurrent transaction",
                  "Its withdrawal was committed after this transaction's snapshot was taken.",
                  "Retry the call: it will return that withdrawal or report a conflict.");
    }
    throw;
  }
}

void Reserve(const std::string& key, const store::WithdrawalRow& w) {
  try {
    store::PostWithdrawalEntry(w.id, "RESERVE");
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() != MAKE_SQLSTATE('T', 'R', '0', '0', '2')) throw;
    throw Error(sqlstate::kInsufficientBalance, "available balance too low",
                std::string(e.data()->detail ? e.data()->detail : "") +
                    " Nothing was recorded for idempotency_key " + Quote(key) + ".",
                e.data()->hint ? e.data()->hint : "");
  }
}

// Approves at intake when the tier's limit allows it. No usable sender is not an error here: the
// withdrawal stays 'requested' for a manual approval, and its timeline says why.
// Why the tier's daily limits stop this auto-approval, if they do: what was auto-approved for the
// account and asset in the last 24 hours, plus this one, against the sum and the count.
std::optional<std::string> OverDailyLimit(const store::WithdrawalRow& w, const api::RiskTierInfo& tier,
                                          const Uint256& amount) {
  if (!tier.daily_sum || !tier.daily_count) return std::nullopt;
  const store::ApprovedTotals day =
      store::AutoApprovedLastDay(w.account, w.chain_id, w.asset, api::kAutoDeciderPrefix);
  const Uint256 sum = ParseAmount(day.sum, "sum", AmountRule::kNonNegative);
  const Uint256 cap = ParseAmount(*tier.daily_sum, "auto_approve_daily_sum", AmountRule::kNonNegative);
  const std::string so_far = " (" + std::to_string(day.count) + " auto-approved for " + w.account + " in " +
                             w.asset + " in the last 24 hours, " + day.sum + " in all)";
  if (day.count + 1 > *tier.daily_count) {
    return "tier " + tier.tier + " auto-approves at most " + std::to_string(*tier.daily_count) +
           " withdrawals a day per account and asset" + so_far;
  }
  if (amount > cap || sum > cap - amount) {
    return "tier " + tier.tier + " auto-approves at most " + *tier.daily_sum +
           " a day per account and asset" + so_far;
  }
  return std::nullopt;
}

void AutoApprove(const store::WithdrawalRow& w, const api::RiskTierInfo& tier) {
  const Uint256 limit = ParseAmount(tier.auto_approve_below, "auto_approve_below", AmountRule::kNonNegative);
  const Uint256 amount = ParseAmount(w.amount, "amount", AmountRule::kPositive);
  if (amount >= limit) return;
  if (const auto why = OverDailyLimit(w, tier, amount)) {
    store::AddNote(
        w.id, "auto_approval_limit_reached", *why + ": it waits for an approver",
        nlohmann::json{
            {"tier", tier.tier}, {"daily_sum", *tier.daily_sum}, {"daily_count", *tier.daily_count}}
            .dump());
    return;
  }
  static const pg::Statement kNewId("SELECT gen_random_uuid() AS id", {});
  const api::Decision d{kNewId.Run({}).front().Text("id"), "auto:" + w.id,
                        api::kAutoDeciderPrefix + tier.tier};
  try {
    api::ApproveLocked(w, d);
  } catch (const Error& e) {
    if (e.sqlstate() != sqlstate::kNoUsableSender && e.sqlstate() != sqlstate::kSendersBusy) throw;
    store::AddNote(w.id, "auto_approval_deferred", std::string(e.what()) + ". " + e.detail());
  }
}

}  // namespace

// request_withdrawal(idempotency_key, account, chain_id, asset, to_address, amount, risk_tier,
// metadata) -> withdrawals. Reserves the amount (RESERVE) in the same transaction. The same key
// with the same request returns the first row; with another request it is TR001.
TXRELAY_SQL_FUNCTION(txrelay_request_withdrawal) {
  const pg::Args args(fcinfo);
  const std::string key = CheckIdentifier(args.Text(0, "idempotency_key"), "idempotency_key");
  const WithdrawalRequest request = RequestArgs(args);
  const Hash32 fingerprint = RequestFingerprint(request);

  pg::SpiConnection spi;
  api::RequireAsset(request.chain_id, request.asset);
  const api::RiskTierInfo tier = api::RequireRiskTier(request.risk_tier);
  if (const auto holder = store::FindByIdempotencyKey(key))
    return ReplayOrConflict(key, *holder, request, fingerprint);
  // A concurrent call with the same key is waited for on the key's unique index (no advisory
  // lock: any role could take that one and hold the key); if it committed, this is its replay.
  const auto inserted = Insert(key, fingerprint, request);
  if (!inserted) {
    if (const auto holder = store::FindByIdempotencyKey(key))
      return ReplayOrConflict(key, *holder, request, fingerprint);
    throw Error(sqlstate::kSerializationFailure,
                "idempotency_key " + Quote(key) + " is being used concurrently", "", "Retry the call.");
  }
  const store::WithdrawalRow& w = *inserted;
  Reserve(key, w);
  AutoApprove(w, tier);
  pg::CountRequest(pg::RequestOutcome::kNew);
  return store::ReturnWithdrawal(w.id);
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
