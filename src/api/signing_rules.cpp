#include "api/signing_rules.hpp"

#include <algorithm>
#include <vector>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/payment_call.hpp"
#include "core/status_sets.hpp"

namespace txrelay::api {

namespace {

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

}  // namespace

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

SignedMark MarkOfSigned(const store::LockedRequest& req, const store::WithdrawalRow& w,
                        const std::string& attempt_id, const std::string& tx_hash) {
  const std::string what = "attempt " + attempt_id + ", tx " + tx_hash;
  if (RecordOnly(req, w)) {
    return {false, "signed_while_cancelling",
            "payment signed while the cancel races: recorded, not sent: " + what, false};
  }
  if (req.kind == "withdrawal") return {true, "", "signed: " + what, true};
  return {false, req.kind + "_signed",
          (req.kind == "fee_bump" ? "fee bump" : "gap filler") + std::string(" signed: ") + what, true};
}

}  // namespace txrelay::api
