// Signature requests (DESIGN §4): what a signer must sign at a reserved nonce — the withdrawal's
// payment, a gap filler after a cancel, or a fee bump of a stuck attempt — and their state
// (pending -> signed | cancelled).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace txrelay::store {

// The exact call a request fixes.
struct SignatureCall {
  std::string to_address;
  std::string value;  // decimal wei
  std::vector<std::uint8_t> data;
};

// Many signature requests of kind "withdrawal" in one statement: one per withdrawal, from one
// sender at consecutive nonces from `first_nonce`, in the order given. Returns their ids in it.
struct PaymentRequest {
  std::string withdrawal_id;
  SignatureCall call;
};
std::vector<std::string> CreatePaymentRequests(std::int64_t chain_id, const std::string& from_address,
                                               std::int64_t first_nonce,
                                               const std::vector<PaymentRequest>& requests);

// kind: "withdrawal" or "gap_filler". Returns the signature_request_id.
std::string CreateSignatureRequest(const std::string& withdrawal_id, const std::string& kind,
                                   std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                   const SignatureCall& call);

// A request that must replace `replaces_attempt_id` on the node: a fee bump (the same call) or a
// cancel's gap filler (its own call); both fee fields at least the given ones.
std::string CreateReplacingRequest(const std::string& withdrawal_id, const std::string& kind,
                                   std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                   const SignatureCall& call, const std::string& replaces_attempt_id,
                                   const std::string& min_max_fee_per_gas,
                                   const std::string& min_max_priority_fee_per_gas);

// The payment requests of withdrawals reserved at nonces [first, last) of a sender (the operator
// report of unknown chain transactions, issue 20).
struct RequestAtNonce {
  std::int64_t nonce = 0;
  std::string withdrawal_id, idempotency_key, withdrawal_status;
  SignatureCall call;
};
std::vector<RequestAtNonce> PaymentRequestsAt(std::int64_t chain_id, const std::string& from_address,
                                              std::int64_t first, std::int64_t last);

// The withdrawal a request belongs to; nullopt: no such request.
std::optional<std::string> WithdrawalOfRequest(const std::string& signature_request_id);
// WithdrawalOfRequest for a round's requests: request id -> withdrawal id (unknown ids absent).
std::map<std::string, std::string> WithdrawalsOfRequests(
    const std::vector<std::string>& signature_request_ids);

// A request locked for submit_signed, with the chain's caps and what the nonce has become.
struct LockedRequest {
  std::string withdrawal_id;
  std::string kind;
  std::string status;
  std::int64_t chain_id = 0;
  std::string from_address;
  std::int64_t nonce = 0;
  SignatureCall call;
  std::string max_fee_per_gas_cap, max_priority_fee_cap;
  std::int64_t max_gas_limit = 0;
  std::optional<std::string> min_max_fee_per_gas, min_max_priority_fee_per_gas;
  std::optional<std::string> replaced_kind;     // a fee bump: the kind its replaced attempt was signed for
  std::optional<std::string> included_attempt;  // an attempt at the same nonce already in a block
};
std::optional<LockedRequest> LockSignatureRequest(const std::string& signature_request_id);
// A round's requests, locked in signature_request_id order; absent ids are left out.
std::map<std::string, LockedRequest> LockSignatureRequests(
    const std::vector<std::string>& signature_request_ids);

void MarkSigned(const std::string& signature_request_id);
// MarkSigned for a round's requests, in one statement.
void MarkSignedMany(const std::vector<std::string>& signature_request_ids);
// Cancels the withdrawal's pending requests (a cancel, before its gap filler is made).
void CancelPendingRequests(const std::string& withdrawal_id);

}  // namespace txrelay::store
