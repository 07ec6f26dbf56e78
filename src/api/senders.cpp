#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/eth/erc20.hpp"
#include "api/lookups.hpp"
#include "api/outbox.hpp"
#include "api/senders.hpp"
#include "pg/spi.hpp"

namespace txrelay::api {

namespace {

#define TXRELAY_PICK_SENDER_SQL                                           \
  "SELECT address, signer, next_nonce FROM txrelay.senders "              \
  "WHERE chain_id = $1 AND status = 'active' AND next_nonce IS NOT NULL " \
  "ORDER BY last_reserved_at NULLS FIRST, address LIMIT 1 FOR UPDATE"

LockedSender FromRow(const pg::Row& row) {
  return LockedSender{row.Text(0), row.OptionalText(1), row.Int64(2)};
}

Error NoUsableSender(std::int64_t chain_id, const std::string& withdrawal_id) {
  static const pg::Statement kCensus(
      "SELECT count(*), count(*) FILTER (WHERE status = 'paused'), "
      "count(*) FILTER (WHERE status = 'quarantined'), "
      "count(*) FILTER (WHERE status = 'active' AND next_nonce IS NULL) "
      "FROM txrelay.senders WHERE chain_id = $1",
      {INT8OID});
  const auto row = kCensus.Run({pg::Int8Param(chain_id)}).front();
  const std::int64_t total = row.Int64(0);
  std::string detail;
  if (total == 0) {
    detail = "Chain " + std::to_string(chain_id) + " has no sender.";
  } else {
    detail = "Chain " + std::to_string(chain_id) + " has " + std::to_string(total) +
             " sender(s): " + std::to_string(row.Int64(1)) + " paused, " + std::to_string(row.Int64(2)) +
             " quarantined, " + std::to_string(row.Int64(3)) +
             " waiting for their first nonce to be read from the chain.";
  }
  return Error(sqlstate::kNoUsableSender,
               "no usable sender on chain " + std::to_string(chain_id) + " for withdrawal " + withdrawal_id,
               detail, "Add a sender with txrelay.add_sender or resume one with txrelay.set_sender_status.");
}

}  // namespace

LockedSender PickSender(std::int64_t chain_id, const std::string& withdrawal_id) {
  static const pg::Statement kPickFree(TXRELAY_PICK_SENDER_SQL " SKIP LOCKED", {INT8OID});
  static const pg::Statement kPickAny(TXRELAY_PICK_SENDER_SQL, {INT8OID});
  auto rows = kPickFree.Run({pg::Int8Param(chain_id)});
  if (rows.empty()) rows = kPickAny.Run({pg::Int8Param(chain_id)});
  if (rows.empty()) throw NoUsableSender(chain_id, withdrawal_id);
  return FromRow(rows.front());
}

std::int64_t ReserveNonce(std::int64_t chain_id, const LockedSender& sender, const WithdrawalRow& w) {
  static const pg::Statement kAdvance(
      "UPDATE txrelay.senders SET next_nonce = next_nonce + 1, last_reserved_at = clock_timestamp() "
      "WHERE chain_id = $1 AND address = $2 RETURNING next_nonce - 1",
      {INT8OID, TEXTOID});
  static const pg::Statement kReserve(
      "INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id) "
      "VALUES ($1, $2, $3, $4)",
      {INT8OID, TEXTOID, INT8OID, UUIDOID});
  const std::int64_t nonce =
      kAdvance.Run({pg::Int8Param(chain_id), pg::TextParam(sender.address)}).front().Int64(0);
  kReserve.Run({pg::Int8Param(chain_id), pg::TextParam(sender.address), pg::Int8Param(nonce),
                pg::DatumParam(UUIDOID, w.id)});
  return nonce;
}

std::string CreateSignatureRequest(const WithdrawalRow& w, SignatureKind kind,
                                   const std::string& from_address, std::int64_t nonce, bool has_signer) {
  std::string to;
  std::string value = "0";
  Bytes data;
  if (kind == SignatureKind::kGapFiller) {
    to = from_address;
  } else {
    const AssetInfo asset = RequireAsset(w.chain_id, w.asset);
    if (!asset.contract) {
      to = w.to_address;
      value = w.amount;
    } else {
      to = *asset.contract;
      data = eth::Erc20TransferCalldata(ParseAddress(w.to_address, "to_address"),
                                        ParseAmount(w.amount, "amount", AmountRule::kPositive));
    }
  }
  static const pg::Statement kCreate(
      "INSERT INTO txrelay.signature_requests "
      "(withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8) RETURNING signature_request_id::text",
      {UUIDOID, TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, BYTEAOID});
  const std::string id =
      kCreate
          .Run({pg::DatumParam(UUIDOID, w.id),
                pg::TextParam(kind == SignatureKind::kGapFiller ? "gap_filler" : "withdrawal"),
                pg::Int8Param(w.chain_id), pg::TextParam(from_address), pg::Int8Param(nonce),
                pg::TextParam(to), pg::TextParam(value), pg::ByteaParam(data.data(), data.size())})
          .front()
          .Text(0);
  if (has_signer) EnqueueSign(w.chain_id, w.id_text, id);
  return id;
}

}  // namespace txrelay::api
