// Senders and nonces (DESIGN §3, §4): choosing a hot wallet for a withdrawal, reserving its next
// nonce gap-free under the sender's row lock, and the signature request for that nonce.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/lookups.hpp"
#include "store/senders.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::api {

// How long an approval waits for a sender when every one is held by another open transaction.
inline constexpr int kSenderWaitMs = 2000;

// Picks and locks an active sender of the chain whose next nonce is known (store::PickSender).
// Error TR008 naming the chain and why no sender is usable; TR011 (retryable) when every usable
// sender stayed held for kSenderWaitMs. Writes nothing.
store::LockedSender PickSender(std::int64_t chain_id, const std::string& withdrawal_id);

enum class SignatureKind { kWithdrawal, kGapFiller };

// The call that pays the recipient: a native transfer, or transfer(recipient, amount) on the token.
store::SignatureCall PaymentCall(const store::WithdrawalRow& w, const AssetInfo& asset);

// Creates the signature request for the reserved nonce — the recipient payment (native value or
// ERC-20 transfer call) or, for a cancelled withdrawal, a zero-value self-transfer that consumes
// the nonce — and, when a signer is configured, the outbox row that asks the broadcaster to sign.
// Returns the signature_request_id.
std::string CreateSignatureRequest(const store::WithdrawalRow& w, SignatureKind kind,
                                   const std::string& from_address, std::int64_t nonce, bool has_signer);

// A cancel's gap filler at the reserved nonce: when attempts exist there (signed bytes that may
// be on their way), it replaces the highest-priced one and must outbid it (rpc::ReplacementFloor).
std::string CreateGapFillerRequest(const store::WithdrawalRow& w, const std::string& from_address,
                                   std::int64_t nonce, bool has_signer);

}  // namespace txrelay::api
