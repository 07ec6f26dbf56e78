// Hot wallets and their nonces (DESIGN §3, §4): picking a sender under its row lock, reserving
// its next nonce gap-free, reading an unknown first nonce from the chain, and the status that
// keeps a compromised or paused sender from getting nonces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrelay::store {

struct LockedSender {
  std::string address;
  std::optional<std::string> signer;  // none: client-signed
  std::int64_t next_nonce = 0;
};

// An active sender of the chain whose next nonce is known, its row locked FOR UPDATE: one that
// nobody else holds (SKIP LOCKED), least recently used first; if all are held, waits for one at
// most `max_wait_ms` (in a subtransaction: the caller's transaction goes on) and then reports
// them busy. A session that leaves its transaction open holding a sender cannot stall every other
// approval for longer than that.
struct SenderPick {
  std::optional<LockedSender> sender;
  bool busy = false;  // usable senders exist, but all stayed held for max_wait_ms
};
SenderPick PickSender(std::int64_t chain_id, int max_wait_ms);

// Why no sender is usable: how many exist, are paused, quarantined, or wait for their nonce.
struct SenderCensus {
  std::int64_t total = 0, paused = 0, quarantined = 0, nonce_unknown = 0;
};
SenderCensus CountSenders(std::int64_t chain_id);

// Takes the locked sender's next nonces for the withdrawals, one each in their order (counter and
// reservations together, one statement each); returns the first.
std::int64_t ReserveNonces(std::int64_t chain_id, const std::string& address,
                           const std::vector<std::string>& withdrawal_ids);

// Takes the locked sender's next nonce for the withdrawal (counter and reservation together).
std::int64_t ReserveNonce(std::int64_t chain_id, const std::string& address,
                          const std::string& withdrawal_id);

// The nonce reservation of a withdrawal and whether its sender has a signer.
struct Reservation {
  std::string from_address;
  std::int64_t nonce = 0;
  bool has_signer = false;
};
std::optional<Reservation> ReservationOf(const std::string& withdrawal_id);

// Active senders whose first nonce is still to be read from the chain.
struct SenderRef {
  std::int64_t chain_id = 0;
  std::string address;
};
std::vector<SenderRef> SendersWithUnknownNonce();
// Sets the first nonce read from the chain; nothing if it is known by now.
void SetFirstNonce(std::int64_t chain_id, const std::string& address, std::uint64_t nonce);

// The withdrawal holding a nonce key, and its status.
struct NonceHolder {
  std::string withdrawal_id, status, nonce_key, idempotency_key;
};
std::optional<NonceHolder> HolderOfNonce(std::int64_t chain_id, const std::string& address,
                                         std::uint64_t nonce);

std::optional<std::string> SenderStatus(std::int64_t chain_id, const std::string& address);
// Quarantines the sender unless it is already; true if this call did.
bool Quarantine(std::int64_t chain_id, const std::string& address, const std::string& reason);

}  // namespace txrelay::store
