// Senders and nonces (DESIGN §3, §4): choosing a hot wallet for a withdrawal, reserving its next
// nonce gap-free under the sender's row lock, and the signature request for that nonce.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/withdrawal_row.hpp"

namespace txrelay::api {

struct LockedSender {
  std::string address;
  std::optional<std::string> signer;  // none: client-signed
  std::int64_t next_nonce = 0;
};

// Picks an active sender of the chain whose next nonce is known and locks its row
// (FOR UPDATE). Prefers a sender nobody else holds right now (SKIP LOCKED), least recently used
// first, so parallel approvals spread over the senders; if all are held, waits for one.
// Error TR008 naming the chain and why no sender is usable. Writes nothing.
LockedSender PickSender(std::int64_t chain_id, const std::string& withdrawal_id);

// Reserves the sender's next nonce for the withdrawal; the caller holds the sender's row lock
// (from PickSender) so nonces are handed out in order with no gap, and the reservation and the
// counter commit or roll back together. Returns the nonce.
std::int64_t ReserveNonce(std::int64_t chain_id, const LockedSender& sender, const WithdrawalRow& w);

enum class SignatureKind { kWithdrawal, kGapFiller };

// Creates the signature request for the reserved nonce — the recipient payment (native value or
// ERC-20 transfer call) or, for a cancelled withdrawal, a zero-value self-transfer that consumes
// the nonce — and, when a signer is configured, the outbox row that asks the broadcaster to sign.
// Returns the signature_request_id.
std::string CreateSignatureRequest(const WithdrawalRow& w, SignatureKind kind,
                                   const std::string& from_address, std::int64_t nonce, bool has_signer);

}  // namespace txrelay::api
