// Signed transactions (DESIGN §3): decoding for anyone, and submit_signed, which accepts a signed
// transaction only if it is exactly what its signature request fixed, and records it as an
// attempt (raw bytes and hash before any send) with its broadcast outbox row in one transaction.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/payment_call.hpp"
#include "core/error.hpp"
#include "core/status_sets.hpp"
#include "core/eth/signed_tx_check.hpp"
#include "core/eth/transaction.hpp"
#include "core/eth/tx_json.hpp"
#include "api/withdrawal_row.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

eth::SignedTx DecodeArg(const pg::Args& args, int i) {
  const std::string raw = args.Bytea(i, "raw_tx", eth::kMaxRawTxBytes);
  return eth::DecodeSignedTx(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
}

bool Pays(const store::LockedRequest& req) {
  return PaysRecipient(req.call.to_address, req.from_address, req.call.value, req.call.data.size());
}

// The withdrawal statuses a signature request is signed in: the payment while approved; a gap
// filler (or its fee bump) while the cancel races, or after it (a 0.1.0 cancel released at once);
// a payment's fee bump while the payment is signed and not in a block, and not being cancelled.
std::vector<std::string> SignableIn(const store::LockedRequest& req) {
  if (req.kind == "withdrawal") return {"approved"};
  if (!Pays(req)) return {"cancelling", "cancelled"};
  std::vector<std::string> unconfirmed;
  for (WithdrawalStatus s : Statuses(StatusSet::kUnconfirmed)) {
    if (s != WithdrawalStatus::kCancelling) unconfirmed.emplace_back(txrelay::Name(s));
  }
  return unconfirmed;
}

// A payment signed while its withdrawal is being cancelled (the client's bytes, a signer's answer
// that arrived late): recorded, so that the tracker knows it should it be mined, and never sent.
bool RecordOnly(const store::LockedRequest& req, const store::WithdrawalRow& w) {
  return w.status == "cancelling" && Pays(req);
}

Uint256 Wei(const std::string& text, const char* field) {
  return ParseAmount(text, field, AmountRule::kNonNegative);
}

// What the signed transaction must be: exactly the request's call at its nonce, within the caps.
eth::ExpectedTx Expected(const store::LockedRequest& req) {
  eth::ExpectedTx e;
  e.chain_id = static_cast<std::uint64_t>(req.chain_id);
  e.from = ParseAddress(req.from_address, "from_address");
  e.nonce = static_cast<std::uint64_t>(req.nonce);
  e.to = ParseAddress(req.call.to_address, "to_address");
  e.value = Wei(req.call.value, "value");
  e.data = req.call.data;
  e.max_fee_per_gas_cap = Wei(req.max_fee_per_gas_cap, "max_fee_per_gas_cap");
  e.max_priority_fee_cap = Wei(req.max_priority_fee_cap, "max_priority_fee_cap");
  e.max_gas_limit = static_cast<std::uint64_t>(req.max_gas_limit);
  if (req.min_max_fee_per_gas && req.min_max_priority_fee_per_gas) {  // a fee bump, a cancel's gap filler
    e.min_max_fee_per_gas = Wei(*req.min_max_fee_per_gas, "min_max_fee_per_gas");
    e.min_max_priority_fee_per_gas = Wei(*req.min_max_priority_fee_per_gas, "min_max_priority_fee_per_gas");
  }
  return e;
}

Error NoSuchRequest(const std::string& id) {
  return InvalidArgument("signature_request_id", "does not name a signature request",
                         "No signature request " + id + ".");
}

// A request already signed: the same bytes again are a replay (the attempt recorded), others TR007.
Datum ReplayOrReused(const std::string& request_id, const std::string& tx_hash) {
  const auto prior = store::AttemptOfRequest(request_id);
  if (prior && prior->tx_hash == tx_hash) return prior->row;
  throw Error(sqlstate::kAlreadyUsed, "signature request " + request_id + " was already used",
              "It is signed by transaction " + (prior ? prior->tx_hash : std::string("?")) + "; this is " +
                  tx_hash + ".",
              "A signature request is signed once; a fee bump gets its own request.");
}

// The request may be signed now: not cancelled, its withdrawal in a status it is signed in, its
// nonce not already in a block. A payment of a cancelling withdrawal is only recorded.
void CheckSignable(const std::string& request_id, const store::LockedRequest& req,
                   const store::WithdrawalRow& w) {
  if (RecordOnly(req, w)) return;
  if (req.status == "cancelled") {
    throw Error(
        sqlstate::kTransitionRefused, "signature request " + request_id + " was cancelled",
        "Withdrawal " + w.id + " is " + w.status + "; its nonce is consumed by a gap filler instead.");
  }
  const std::vector<std::string> needed = SignableIn(req);
  if (std::find(needed.begin(), needed.end(), w.status) == needed.end()) {
    std::string list;
    for (const auto& n : needed) list += (list.empty() ? "" : " or ") + n;
    throw Error(sqlstate::kTransitionRefused, "withdrawal " + w.id + " is " + w.status + ", not " + list,
                "A " + req.kind + " signature request is signed while its withdrawal is " + list + ".");
  }
  if (req.kind != "withdrawal" && req.included_attempt) {
    throw Error(sqlstate::kTransitionRefused,
                "the nonce of signature request " + request_id + " is already in a block",
                "Attempt " + *req.included_attempt + " at the same nonce is included; a " + req.kind +
                    " is no longer needed.");
  }
}

// Records the verified transaction: the attempt, the request signed, the withdrawal's move (or a
// note for a gap filler or fee bump) and the broadcast job, in the caller's transaction.
store::RecordedAttempt Record(const std::string& request_id, const store::LockedRequest& req,
                              const store::WithdrawalRow& w, const eth::SignedTx& tx) {
  const store::RecordedAttempt attempt =
      store::InsertAttempt({request_id, std::vector<std::uint8_t>(tx.hash.begin(), tx.hash.end()), tx.raw,
                            static_cast<int>(tx.tx.type), static_cast<std::int64_t>(tx.tx.gas_limit),
                            ToDecimal(tx.tx.FeeCap()), ToDecimal(tx.tx.TipCap())});
  store::MarkSigned(request_id);
  const std::string what = "attempt " + attempt.attempt_id + ", tx " + attempt.tx_hash;
  if (RecordOnly(req, w)) {
    store::AddNote(w.id, "signed_while_cancelling",
                   "payment signed while the cancel races: recorded, not sent: " + what);
    return attempt;
  }
  if (req.kind == "withdrawal") {
    store::SetStatus(w.id, "signed", "signed: " + what);
  } else {
    store::AddNote(w.id, req.kind + "_signed",
                   (req.kind == "fee_bump" ? "fee bump" : "gap filler") + std::string(" signed: ") + what);
  }
  store::EnqueueBroadcast(w.chain_id, w.id, request_id, attempt.attempt_id);
  return attempt;
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
  const std::string request_id = pg::TextOfUuid(args.Uuid(0, "signature_request_id"));
  const eth::SignedTx tx = DecodeArg(args, 1);
  const std::string tx_hash = ToHex(tx.hash.data(), tx.hash.size());

  pg::SpiConnection spi;
  // Lock order as everywhere: the withdrawal, then what hangs from it.
  const auto owner = store::WithdrawalOfRequest(request_id);
  if (!owner) throw NoSuchRequest(request_id);
  const store::WithdrawalRow w = api::LockWithdrawal(*owner, "signature_request_id");
  const auto req = store::LockSignatureRequest(request_id);
  if (!req) throw NoSuchRequest(request_id);
  if (req->status == "signed") return ReplayOrReused(request_id, tx_hash);
  CheckSignable(request_id, *req, w);
  eth::CheckSignedTx(tx, Expected(*req));
  return Record(request_id, *req, w, tx).row;
}
