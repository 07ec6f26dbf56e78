// Withdrawal intake's rules, one copy for request_withdrawal and request_withdrawals (issue 23):
// the arguments' checks and canonical form, the key's replay-or-conflict decision, the RESERVE
// and the auto-approval at intake.
#pragma once

#include <string>

#include "api/lookups.hpp"
#include "core/keccak.hpp"
#include "core/withdrawal_request.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::api {

// The arguments as the caller gave them, not yet checked or canonical: amount as numeric's text,
// metadata as jsonb's text.
struct RequestArguments {
  std::string idempotency_key;
  WithdrawalRequest given;
};

struct CheckedRequest {
  std::string key;
  WithdrawalRequest request;  // canonical: checksummed address, plain decimal amount
  Hash32 fingerprint{};
};

// The key and every field checked (22023 naming the argument), in canonical form.
CheckedRequest CheckRequest(const RequestArguments& a);

// A recorded withdrawal holds the request's key: its id when the request is the same (a replay,
// not counted here), TR001 otherwise (counted). Another application's withdrawal is not named.
std::string ReplayOf(const CheckedRequest& r, const store::KeyHolder& holder);

// TR001 for a key held by a different request (counted); `holder_name` says who holds it
// ("Withdrawal <id>", or an earlier element of a batch).
[[noreturn]] void RefuseKeyConflict(const CheckedRequest& r, const WithdrawalRequest& holder_request,
                                    const std::string& holder_name);

// The key's holder committed after this transaction's snapshot (REPEATABLE READ or SERIALIZABLE):
// 40001, retry.
[[noreturn]] void RefuseKeyUsedConcurrently(const std::string& key);

// The new withdrawal's RESERVE; TR002 says which key recorded nothing.
void ReserveRequested(const std::string& key, const std::string& withdrawal_id);

// Approves at intake when the tier's limits allow it; otherwise a note says why it waits.
void AutoApprove(const store::WithdrawalRow& w, const RiskTierInfo& tier);

}  // namespace txrelay::api
