// Withdrawal intake and cancellation (DESIGN §4, §4a).

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "core/withdrawal_request.hpp"
#include "core/withdrawal_status.hpp"
#include "api/approvals.hpp"
#include "api/lookups.hpp"
#include "api/outbox.hpp"
#include "api/senders.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/request_counters.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

namespace {

WithdrawalRequest StoredRequest(const pg::Row& r) {
  return WithdrawalRequest{r.Text(2), r.Int64(3), r.Text(4), r.Text(5), r.Text(6), r.Text(7), r.Text(8)};
}

// Approves at intake when the tier's limit allows it. No usable sender is not an error here: the
// withdrawal stays 'requested' for a manual approval, and its timeline says why.
void AutoApprove(const api::WithdrawalRow& w, const api::RiskTierInfo& tier) {
  const Uint256 limit = ParseAmount(tier.auto_approve_below, "auto_approve_below", AmountRule::kNonNegative);
  if (ParseAmount(w.amount, "amount", AmountRule::kPositive) >= limit) return;
  static const pg::Statement kNewId("SELECT gen_random_uuid(), gen_random_uuid()::text", {});
  const auto ids = kNewId.Run({});
  api::Decision d{pg::DatumParam(UUIDOID, ids.front().Value(0)), ids.front().Text(1), "auto:" + w.id_text,
                  "txrelay:auto:" + tier.tier};
  try {
    api::ApproveLocked(w, d);
  } catch (const Error& e) {
    if (e.sqlstate() != sqlstate::kNoUsableSender) throw;
    api::AddWithdrawalNote(w.id_text, "auto_approval_deferred", std::string(e.what()) + ". " + e.detail(),
                           "{}");
  }
}

}  // namespace

// request_withdrawal(idempotency_key, account, chain_id, asset, to_address, amount, risk_tier,
// metadata) -> withdrawals. Reserves the amount (RESERVE) in the same transaction. The same key
// with the same request returns the first row; with another request it is TR001.
TXRELAY_SQL_FUNCTION(txrelay_request_withdrawal) {
  const pg::Args args(fcinfo);
  const std::string key = CheckIdentifier(args.Text(0, "idempotency_key"), "idempotency_key");
  WithdrawalRequest request;
  request.account = CheckIdentifier(args.Text(1, "account"), "account");
  request.chain_id = args.Int64(2, "chain_id");
  request.asset = args.Text(3, "asset");
  request.to_address = ParseAddress(args.Text(4, "to_address"), "to_address").Checksummed();
  request.amount = ToDecimal(ParseAmount(args.NumericText(5, "amount"), "amount", AmountRule::kPositive));
  request.risk_tier = args.Text(6, "risk_tier");
  request.metadata = args.JsonbObjectText(7, "metadata");
  constexpr std::size_t kMaxMetadataBytes = 8192;
  if (request.metadata.size() > kMaxMetadataBytes) {
    throw InvalidArgument("metadata", "is too large",
                          "It has " + std::to_string(request.metadata.size()) +
                              " bytes as text; the limit is " + std::to_string(kMaxMetadataBytes) + ".");
  }
  const Hash32 fingerprint = RequestFingerprint(request);

  pg::SpiConnection spi;
  api::RequireAsset(request.chain_id, request.asset);
  const api::RiskTierInfo tier = api::RequireRiskTier(request.risk_tier);
  api::LockKey(api::KeyKind::kIdempotencyKey, key);

  static const pg::Statement kExisting(
      "SELECT withdrawal_id, request_fingerprint, account, chain_id, asset, to_address, amount::text, "
      "risk_tier, "
      "metadata::text FROM txrelay.withdrawals WHERE idempotency_key = $1",
      {TEXTOID});
  const auto existing = kExisting.Run({pg::TextParam(key)});
  if (!existing.empty()) {
    const auto r = existing.front();
    const auto stored = r.Bytes(1);
    if (std::equal(stored.begin(), stored.end(), fingerprint.begin(), fingerprint.end())) {
      pg::CountRequest(pg::RequestOutcome::kReplay);
      return api::ReturnWithdrawal(r.Value(0));  // an idempotent replay
    }
    std::string fields;
    for (const auto& f : DifferingFields(StoredRequest(r), request))
      fields += (fields.empty() ? "" : ", ") + f;
    pg::CountRequest(pg::RequestOutcome::kConflict);
    throw Error(sqlstate::kIdempotencyConflict,
                "idempotency_key " + Quote(key) + " was already used for a different request",
                "Withdrawal " + pg::TextOfUuid(r.Value(0)) + " has this key; the requests differ in: " +
                    (fields.empty() ? std::string("fingerprint") : fields) + ".",
                "Retry with the original request to get its result, or use a new key for a new withdrawal.");
  }

  static const pg::Statement kInsert(
      "INSERT INTO txrelay.withdrawals (idempotency_key, request_fingerprint, account, chain_id, asset, "
      "to_address, "
      "amount, risk_tier, metadata, status_reason) VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, "
      "$9::jsonb, "
      "'requested') RETURNING withdrawal_id, withdrawal_id::text",
      {TEXTOID, BYTEAOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  api::WithdrawalRow w;
  try {
    const auto row = kInsert
                         .Run({pg::TextParam(key), pg::ByteaParam(fingerprint.data(), fingerprint.size()),
                               pg::TextParam(request.account), pg::Int8Param(request.chain_id),
                               pg::TextParam(request.asset), pg::TextParam(request.to_address),
                               pg::TextParam(request.amount), pg::TextParam(request.risk_tier),
                               pg::TextParam(request.metadata)})
                         .front();
    w = api::WithdrawalRow{row.Value(0),       row.Text(1),      key,
                           request.account,    request.chain_id, request.asset,
                           request.to_address, request.amount,   request.risk_tier,
                           "requested"};
  } catch (const pg::PgError& e) {
    // Only under REPEATABLE READ or SERIALIZABLE can a committed twin be invisible here.
    if (std::string(e.constraint()) == "withdrawals_idempotency_key_key") {
      throw Error(sqlstate::kSerializationFailure,
                  "idempotency_key " + Quote(key) + " was used by a concurrent transaction",
                  "Its withdrawal was committed after this transaction's snapshot was taken.",
                  "Retry the call: it will return that withdrawal or report a conflict.");
    }
    throw;
  }
  try {
    api::PostWithdrawalEntry(w, "RESERVE");
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() != MAKE_SQLSTATE('T', 'R', '0', '0', '2')) throw;
    throw Error(sqlstate::kInsufficientBalance, "available balance too low",
                std::string(e.data()->detail ? e.data()->detail : "") +
                    " Nothing was recorded for idempotency_key " + Quote(key) + ".",
                e.data()->hint ? e.data()->hint : "");
  }
  AutoApprove(w, tier);
  pg::CountRequest(pg::RequestOutcome::kNew);
  return api::ReturnWithdrawal(w.id);
}

// cancel(withdrawal_id, reason) -> withdrawals: before broadcast only. Releases the reserved
// amount; when a nonce was reserved it must still be consumed, so a gap-filler signature request
// (a zero-value self-transfer at that nonce) replaces the withdrawal's own. Cancelling a
// cancelled withdrawal returns it unchanged.
TXRELAY_SQL_FUNCTION(txrelay_cancel) {
  const pg::Args args(fcinfo);
  const Datum id = args.Uuid(0, "withdrawal_id");
  const std::string reason = CheckFreeText(args.Text(1, "reason"), "reason");
  pg::SpiConnection spi;
  const api::WithdrawalRow w = api::LockWithdrawal(id, "withdrawal_id");
  if (w.status == "cancelled") return api::ReturnWithdrawal(id);
  const auto status = ParseWithdrawalStatus(w.status);
  if (!status || !CanTransition(*status, WithdrawalStatus::kCancelled)) {
    throw Error(sqlstate::kTransitionRefused,
                "withdrawal " + w.id_text + " is " + w.status + " and cannot be cancelled",
                "Cancel is possible only before broadcast (requested, approved or signed).");
  }
  // A signed transaction that a worker has started to send may be on its way to the chain: its
  // outcome is unknown, so the withdrawal must be followed, not cancelled.
  static const pg::Statement kSendStarted(
      "SELECT (SELECT count(*) FROM txrelay.outbox WHERE withdrawal_id = $1 AND kind = 'broadcast' "
      "        AND (tries > 0 OR status NOT IN ('pending', 'cancelled'))) + "
      "       (SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = $1 AND status <> 'created')",
      {UUIDOID});
  static const pg::Statement kLockOutbox(
      "SELECT outbox_id FROM txrelay.outbox WHERE withdrawal_id = $1 ORDER BY outbox_id FOR UPDATE",
      {UUIDOID});
  kLockOutbox.Run({pg::DatumParam(UUIDOID, id)});
  if (kSendStarted.Run({pg::DatumParam(UUIDOID, id)}).front().Int64(0) > 0) {
    throw Error(
        sqlstate::kTransitionRefused, "withdrawal " + w.id_text + " may already be on its way to the chain",
        "A worker has started to send its signed transaction; the outcome is followed by the tracker.",
        "Wait for the outcome; a send cannot be taken back.");
  }
  api::SetWithdrawalStatus(w, "cancelled", "cancelled: " + reason);
  api::PostWithdrawalEntry(w, "RELEASE");

  static const pg::Statement kReservation(
      "SELECT r.from_address, r.nonce, s.signer IS NOT NULL FROM txrelay.nonce_reservations r "
      "JOIN txrelay.senders s ON s.chain_id = r.chain_id AND s.address = r.from_address WHERE "
      "r.withdrawal_id = $1",
      {UUIDOID});
  const auto reservation = kReservation.Run({pg::DatumParam(UUIDOID, id)});
  if (!reservation.empty()) {
    const auto r = reservation.front();
    const std::string from = r.Text(0);
    const std::int64_t nonce = r.Int64(1);
    const bool has_signer = r.Bool(2);
    static const pg::Statement kCancelRequests(
        "UPDATE txrelay.signature_requests SET status = 'cancelled', updated_at = now() "
        "WHERE withdrawal_id = $1 AND status = 'pending'",
        {UUIDOID});
    kCancelRequests.Run({pg::DatumParam(UUIDOID, id)});
    api::CancelPendingOutbox(w.id_text);
    api::CreateSignatureRequest(w, api::SignatureKind::kGapFiller, from, nonce, has_signer);
  }
  return api::ReturnWithdrawal(id);
}
