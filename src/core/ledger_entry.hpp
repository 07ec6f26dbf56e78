// Ledger entries (DESIGN §4): kinds, the balance arithmetic of each kind, and the hash that
// chains every entry of an account to the one before it, so that an edit anywhere in the history
// is visible to verify_ledger().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/amount.hpp"
#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

enum class LedgerKind { kCredit, kReserve, kCommit, kRelease };

std::optional<LedgerKind> ParseLedgerKind(std::string_view name);
std::string_view Name(LedgerKind kind);

// What one ledger account holds. available = credited - reserved - spent.
struct LedgerBalance {
  Uint256 credited = 0;
  Uint256 reserved = 0;
  Uint256 spent = 0;

  Uint256 Available() const { return credited - reserved - spent; }
};

// Applies one entry of `amount` to `balance`. Throws Error TR002 when a RESERVE exceeds the
// available balance, and 23514 when a COMMIT or RELEASE exceeds what is reserved or a credit
// would overflow 2^256 - the ledger is never allowed to go negative or wrap.
LedgerBalance ApplyEntry(const LedgerBalance& balance, LedgerKind kind, const Uint256& amount);

struct LedgerEntryFields {
  std::optional<Hash32> prev_hash;  // the hash of the account's previous entry; none for its first
  std::int64_t entry_id = 0;
  // The entry's position in its account's history (1, 2, ...), assigned under the account lock;
  // the chain follows it, since entry ids are drawn before the lock and may interleave.
  std::int64_t account_seq = 0;
  std::string kind;
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string amount;  // canonical decimal
  std::string fee;     // canonical decimal
  std::optional<std::string> withdrawal_id;
  std::optional<std::string> reference;
  std::int64_t created_at_us = 0;  // PostgreSQL timestamptz: microseconds since 2000-01-01 UTC
};

Hash32 LedgerEntryHash(const LedgerEntryFields& entry);

}  // namespace txrelay
