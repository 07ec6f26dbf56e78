// Signed transactions (DESIGN §3): decoding for anyone, and submit_signed, which accepts a signed
// transaction only if it is exactly what its signature request fixed, and records it as an
// attempt (raw bytes and hash before any send) with its broadcast outbox row in one transaction.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/eth/signed_tx_check.hpp"
#include "core/eth/transaction.hpp"
#include "core/eth/tx_json.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

namespace {

eth::SignedTx DecodeArg(const pg::Args& args, int i) {
  const std::string raw = args.Bytea(i, "raw_tx");
  return eth::DecodeSignedTx(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
}

struct Request {
  std::string withdrawal_id;
  std::string kind;
  eth::ExpectedTx expected;
  std::string status;
  std::string replaced_kind;                    // a fee bump: the kind its replaced attempt was signed for
  std::optional<std::string> included_attempt;  // an attempt at the same nonce already in a block
};

// The withdrawal status a signature request of this kind is signed in.
std::vector<std::string> SignableIn(const Request& req) {
  if (req.kind == "withdrawal") return {"approved"};
  if (req.kind == "gap_filler") return {"cancelled"};
  // A fee bump replaces an attempt not in a block: the withdrawal's (refused as underpriced at its
  // first send, or sent and waiting), or a cancelled withdrawal's gap filler.
  if (req.replaced_kind == "gap_filler") return {"cancelled"};
  return {"signed", "broadcasted", "reorged"};
}

Request LockRequest(Datum id) {
  static const pg::Statement kLock(
      "SELECT s.withdrawal_id::text, s.kind, s.chain_id, s.from_address, s.nonce, s.to_address, "
      "s.value::text, "
      "s.data, s.status, c.max_fee_per_gas_cap::text, c.max_priority_fee_cap::text, c.max_gas_limit, "
      "s.min_max_fee_per_gas::text, s.min_max_priority_fee_per_gas::text, r.kind, "
      "(SELECT a.attempt_id::text FROM txrelay.attempts a WHERE a.chain_id = s.chain_id "
      "   AND a.from_address = s.from_address AND a.nonce = s.nonce AND a.status = 'included') "
      "FROM txrelay.signature_requests s JOIN txrelay.chains c USING (chain_id) "
      "LEFT JOIN txrelay.attempts p ON p.attempt_id = s.replaces_attempt_id "
      "LEFT JOIN txrelay.signature_requests r ON r.signature_request_id = p.signature_request_id "
      "WHERE s.signature_request_id = $1 FOR UPDATE OF s",
      {UUIDOID});
  const auto rows = kLock.Run({pg::DatumParam(UUIDOID, id)});
  if (rows.empty()) {
    throw InvalidArgument("signature_request_id", "does not name a signature request",
                          "No signature request " + pg::TextOfUuid(id) + ".");
  }
  const auto r = rows.front();
  Request req;
  req.withdrawal_id = r.Text(0);
  req.kind = r.Text(1);
  req.expected.chain_id = static_cast<std::uint64_t>(r.Int64(2));
  req.expected.from = ParseAddress(r.Text(3), "from_address");
  req.expected.nonce = static_cast<std::uint64_t>(r.Int64(4));
  req.expected.to = ParseAddress(r.Text(5), "to_address");
  req.expected.value = ParseAmount(r.Text(6), "value", AmountRule::kNonNegative);
  req.expected.data = r.Bytes(7);
  req.status = r.Text(8);
  req.expected.max_fee_per_gas_cap = ParseAmount(r.Text(9), "max_fee_per_gas_cap", AmountRule::kNonNegative);
  req.expected.max_priority_fee_cap =
      ParseAmount(r.Text(10), "max_priority_fee_cap", AmountRule::kNonNegative);
  req.expected.max_gas_limit = static_cast<std::uint64_t>(r.Int64(11));
  if (req.kind == "fee_bump") {
    req.expected.min_max_fee_per_gas =
        ParseAmount(r.Text(12), "min_max_fee_per_gas", AmountRule::kNonNegative);
    req.expected.min_max_priority_fee_per_gas =
        ParseAmount(r.Text(13), "min_max_priority_fee_per_gas", AmountRule::kNonNegative);
    req.replaced_kind = r.Text(14);
  }
  req.included_attempt = r.OptionalText(15);
  return req;
}

}  // namespace

// decode_raw_tx(raw_tx bytea) -> jsonb: type, chain_id, nonce, to, value, data, gas, fees,
// access list, ERC-20 transfer, signature, sender, hash. TR005 for anything that is not a valid
// signed transaction of type 0, 1 or 2.
TXRELAY_SQL_FUNCTION(txrelay_decode_raw_tx) {
  const pg::Args args(fcinfo);
  const std::string json = eth::TxToJson(DecodeArg(args, 0));
  const char* text = json.c_str();
  return pg::Call([=] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text)); });
}

// submit_signed(signature_request_id uuid, raw_tx bytea) -> attempts
TXRELAY_SQL_FUNCTION(txrelay_submit_signed) {
  const pg::Args args(fcinfo);
  const Datum request_id = args.Uuid(0, "signature_request_id");
  const eth::SignedTx tx = DecodeArg(args, 1);
  const std::string tx_hash = ToHex(tx.hash.data(), tx.hash.size());

  pg::SpiConnection spi;
  // Lock order as everywhere: the withdrawal, then what hangs from it.
  static const pg::Statement kWithdrawalOf(
      "SELECT withdrawal_id FROM txrelay.signature_requests WHERE signature_request_id = $1", {UUIDOID});
  const auto owner = kWithdrawalOf.Run({pg::DatumParam(UUIDOID, request_id)});
  if (owner.empty()) {
    throw InvalidArgument("signature_request_id", "does not name a signature request",
                          "No signature request " + pg::TextOfUuid(request_id) + ".");
  }
  const api::WithdrawalRow w = api::LockWithdrawal(owner.front().Value(0), "signature_request_id");
  const Request req = LockRequest(request_id);

  static const pg::Statement kAttemptOf(
      "SELECT a, '0x' || encode(a.tx_hash, 'hex') FROM txrelay.attempts a WHERE signature_request_id = $1",
      {UUIDOID});
  if (req.status == "signed") {
    const auto prior = kAttemptOf.Run({pg::DatumParam(UUIDOID, request_id)});
    if (!prior.empty() && prior.front().Text(1) == tx_hash)
      return prior.front().TransferValue(0);  // a replay
    throw Error(sqlstate::kAlreadyUsed,
                "signature request " + pg::TextOfUuid(request_id) + " was already used",
                "It is signed by transaction " + (prior.empty() ? std::string("?") : prior.front().Text(1)) +
                    "; this is " + tx_hash + ".",
                "A signature request is signed once; a fee bump gets its own request.");
  }
  if (req.status == "cancelled") {
    throw Error(
        sqlstate::kTransitionRefused, "signature request " + pg::TextOfUuid(request_id) + " was cancelled",
        "Withdrawal " + w.id_text + " is " + w.status + "; its nonce is consumed by a gap filler instead.");
  }
  const std::vector<std::string> needed = SignableIn(req);
  if (std::find(needed.begin(), needed.end(), w.status) == needed.end()) {
    std::string list;
    for (const auto& n : needed) list += (list.empty() ? "" : " or ") + n;
    throw Error(sqlstate::kTransitionRefused, "withdrawal " + w.id_text + " is " + w.status + ", not " + list,
                "A " + req.kind + " signature request is signed while its withdrawal is " + list + ".");
  }
  if (req.kind == "fee_bump" && req.included_attempt) {
    throw Error(sqlstate::kTransitionRefused,
                "the nonce of signature request " + pg::TextOfUuid(request_id) + " is already in a block",
                "Attempt " + *req.included_attempt +
                    " at the same nonce is included; a fee bump is no longer needed.");
  }
  eth::CheckSignedTx(tx, req.expected);

  static const pg::Statement kInsert(
      "INSERT INTO txrelay.attempts AS a (signature_request_id, withdrawal_id, chain_id, from_address, "
      "nonce, "
      "tx_hash, raw_tx, tx_type, gas_limit, max_fee_per_gas, max_priority_fee_per_gas) "
      "SELECT s.signature_request_id, s.withdrawal_id, s.chain_id, s.from_address, s.nonce, $2, $3, $4, $5, "
      "$6::numeric, $7::numeric FROM txrelay.signature_requests s WHERE s.signature_request_id = $1 "
      "RETURNING a, a.attempt_id::text",
      {UUIDOID, BYTEAOID, BYTEAOID, INT4OID, INT8OID, TEXTOID, TEXTOID});
  const auto inserted =
      kInsert
          .Run({pg::DatumParam(UUIDOID, request_id), pg::ByteaParam(tx.hash.data(), tx.hash.size()),
                pg::ByteaParam(tx.raw.data(), tx.raw.size()), pg::Int4Param(static_cast<int>(tx.tx.type)),
                pg::Int8Param(static_cast<std::int64_t>(tx.tx.gas_limit)),
                pg::TextParam(ToDecimal(tx.tx.FeeCap())), pg::TextParam(ToDecimal(tx.tx.TipCap()))})
          .front();
  const Datum attempt = inserted.TransferValue(0);
  const std::string attempt_id = inserted.Text(1);

  static const pg::Statement kSigned(
      "UPDATE txrelay.signature_requests SET status = 'signed', updated_at = now() WHERE "
      "signature_request_id = $1",
      {UUIDOID});
  kSigned.Run({pg::DatumParam(UUIDOID, request_id)});
  if (req.kind == "withdrawal") {
    api::SetWithdrawalStatus(w, "signed", "signed: attempt " + attempt_id + ", tx " + tx_hash);
  } else {
    const std::string what = req.kind == "fee_bump" ? "fee bump" : "gap filler";
    api::AddWithdrawalNote(w.id_text, (req.kind + "_signed").c_str(),
                           what + " signed: attempt " + attempt_id + ", tx " + tx_hash, "{}");
  }
  static const pg::Statement kBroadcast(
      "INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id, attempt_id) "
      "VALUES ('broadcast', $1, $2::uuid, $3, $4::uuid)",
      {INT8OID, TEXTOID, UUIDOID, TEXTOID});
  kBroadcast.Run({pg::Int8Param(w.chain_id), pg::TextParam(w.id_text), pg::DatumParam(UUIDOID, request_id),
                  pg::TextParam(attempt_id)});
  return attempt;
}
