// Withdrawal intake's rules (DESIGN §4), shared by the single call and the batch.

#include "api/intake.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/approvals.hpp"
#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/guard.hpp"
#include "pg/request_counters.hpp"
#include "pg/spi.hpp"
#include "store/approvals.hpp"
#include "store/ledger.hpp"

namespace txrelay::api {

namespace {

constexpr std::size_t kMaxMetadataBytes = 8192;

// Why the tier's daily limits stop this auto-approval, if they do: what was auto-approved for the
// account and asset in the last 24 hours, plus this one, against the sum and the count.
std::optional<std::string> OverDailyLimit(const store::WithdrawalRow& w, const RiskTierInfo& tier,
                                          const Uint256& amount) {
  if (!tier.daily_sum || !tier.daily_count) return std::nullopt;
  const store::ApprovedTotals day =
      store::AutoApprovedLastDay(w.account, w.chain_id, w.asset, kAutoDeciderPrefix);
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

}  // namespace

CheckedRequest CheckRequest(const RequestArguments& a) {
  CheckedRequest r;
  r.key = CheckIdentifier(a.idempotency_key, "idempotency_key");
  const WithdrawalRequest& g = a.given;
  WithdrawalRequest& q = r.request;
  q.account = CheckIdentifier(g.account, "account");
  q.chain_id = g.chain_id;
  q.asset = g.asset;
  q.to_address = ParseNonZeroAddress(g.to_address, "to_address").Checksummed();
  q.amount = ToDecimal(ParseAmount(g.amount, "amount", AmountRule::kPositive));
  q.risk_tier = g.risk_tier;
  q.metadata = g.metadata;
  if (q.metadata.size() > kMaxMetadataBytes) {
    throw InvalidArgument("metadata", "is too large",
                          "It has " + std::to_string(q.metadata.size()) + " bytes as text; the limit is " +
                              std::to_string(kMaxMetadataBytes) + ".");
  }
  r.fingerprint = RequestFingerprint(q);
  return r;
}

std::string ReplayOf(const CheckedRequest& r, const store::KeyHolder& holder) {
  if (!store::CallerSees(holder.withdrawal_id)) {  // another application's key: say nothing of it
    pg::CountRequest(pg::RequestOutcome::kConflict);
    throw Error(sqlstate::kIdempotencyConflict, "idempotency_key " + Quote(r.key) + " was already used",
                "Another application's withdrawal has this key.", "Use a new key.");
  }
  if (std::equal(holder.fingerprint.begin(), holder.fingerprint.end(), r.fingerprint.begin(),
                 r.fingerprint.end())) {
    return holder.withdrawal_id;
  }
  RefuseKeyConflict(r, holder.request, "Withdrawal " + holder.withdrawal_id);
}

void RefuseKeyConflict(const CheckedRequest& r, const WithdrawalRequest& holder_request,
                       const std::string& holder_name) {
  std::string fields;
  for (const auto& f : DifferingFields(holder_request, r.request)) fields += (fields.empty() ? "" : ", ") + f;
  pg::CountRequest(pg::RequestOutcome::kConflict);
  throw Error(sqlstate::kIdempotencyConflict,
              "idempotency_key " + Quote(r.key) + " was already used for a different request",
              holder_name + " has this key; the requests differ in: " +
                  (fields.empty() ? std::string("fingerprint") : fields) + ".",
              "Retry with the original request to get its result, or use a new key for a new withdrawal.");
}

void RefuseKeyUsedConcurrently(const std::string& key) {
  throw Error(sqlstate::kSerializationFailure,
              "idempotency_key " + Quote(key) + " was used by a concurrent transaction",
              "Its withdrawal was committed after this transaction's snapshot was taken.",
              "Retry the call: it will return that withdrawal or report a conflict.");
}

void ReserveRequested(const std::string& key, const std::string& withdrawal_id) {
  try {
    store::PostWithdrawalEntry(withdrawal_id, "RESERVE");
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() != MAKE_SQLSTATE('T', 'R', '0', '0', '2')) throw;
    throw Error(sqlstate::kInsufficientBalance, "available balance too low",
                std::string(e.data()->detail ? e.data()->detail : "") +
                    " Nothing was recorded for idempotency_key " + Quote(key) + ".",
                e.data()->hint ? e.data()->hint : "");
  }
}

// No usable sender is not an error here: the withdrawal stays 'requested' for a manual approval,
// and its timeline says why.
void AutoApprove(const store::WithdrawalRow& w, const RiskTierInfo& tier) {
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
  const Decision d{kNewId.Run({}).front().Text("id"), "auto:" + w.id, kAutoDeciderPrefix + tier.tier};
  try {
    ApproveLocked(w, d);
  } catch (const Error& e) {
    if (e.sqlstate() != sqlstate::kNoUsableSender && e.sqlstate() != sqlstate::kSendersBusy) throw;
    store::AddNote(w.id, "auto_approval_deferred", std::string(e.what()) + ". " + e.detail());
  }
}

}  // namespace txrelay::api
