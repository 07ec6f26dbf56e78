// The ledger's writers (DESIGN §3, §4): entries (credits, a withdrawal's RESERVE / COMMIT /
// RELEASE), the account totals the posting trigger keeps, and checkpoint refusals. Entries are
// checked, totalled and hash-chained by the posting trigger, whoever inserts them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/amount.hpp"
#include "core/hex.hpp"
#include "pg/datum.hpp"

namespace txrelay::store {

// Posts a RESERVE, COMMIT or RELEASE of the withdrawal's amount to its account; `fee` is the gas
// the hot wallet paid (COMMIT, RELEASE after a revert).
void PostWithdrawalEntry(const std::string& withdrawal_id, const std::string& kind, const Uint256& fee = 0);
// PostWithdrawalEntry for many withdrawals in one statement, in their order (the ledger trigger
// still checks and chains each entry after the one before it), each with its fee.
void PostWithdrawalEntries(const std::vector<std::string>& withdrawal_ids, const std::string& kind,
                           const std::vector<Uint256>& fees);

// The fees the withdrawals' COMMITs recorded: withdrawal id -> fee (those without one absent).
std::map<std::string, std::string> CommittedFees(const std::vector<std::string>& withdrawal_ids);

struct CreditRow {
  std::int64_t entry_id = 0;
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string amount;
};
std::optional<CreditRow> FindCredit(const std::string& reference);
std::int64_t InsertCredit(const std::string& account, std::int64_t chain_id, const std::string& asset,
                          const std::string& amount, const std::string& reference);

// --- the posting trigger's own rows ---

struct AccountTotals {
  std::string credited, reserved, spent;  // decimal wei
  std::optional<std::vector<std::uint8_t>> last_hash;
  std::int64_t entry_count = 0;
};
// Locks the account's totals row, creating it first if it does not exist.
AccountTotals LockAccount(const std::string& account, std::int64_t chain_id, const std::string& asset);
void WriteAccountTotals(const std::string& account, std::int64_t chain_id, const std::string& asset,
                        const std::string& credited, const std::string& reserved, const std::string& spent,
                        std::int64_t last_entry_id, const std::vector<std::uint8_t>& last_hash);

// The RESERVE a COMMIT or RELEASE resolves, and what resolved it already, if anything.
struct ReserveRow {
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string amount;
  std::optional<std::string> resolved_by;  // "COMMIT entry 12"
};
std::optional<ReserveRow> FindReserve(const std::string& withdrawal_id);

// --- checkpoints ---

// Milliseconds since the newest checkpoint (nullopt: none yet).
std::optional<std::int64_t> MsSinceLastCheckpoint();
struct CheckpointTaken {
  std::int64_t version = 0;
  std::string hash_hex;
  std::int64_t accounts_changed = 0;
};
// take_ledger_checkpoint(); its refusal (TR010) is a PostgreSQL error.
CheckpointTaken TakeCheckpoint();
void RecordCheckpointRefusal(const std::string& message);

// --- signed checkpoints (issue 17): the audit address, its signer, and the signatures ---
Datum SetCheckpointSigner(const std::string& signer, const std::string& address);
struct CheckpointToSign {
  std::int64_t version = 0;
  std::string hash_hex, address, signer_url, signer_url_redacted;
};
// The checkpoints from the signer's from_version on without a signature, oldest first (at most
// `limit`). Empty when no signer is set, and on a 0.1.0 schema (no such tables).
std::vector<CheckpointToSign> CheckpointsToSign(int limit);
// Records the signature and sends it with NOTIFY txrelay_checkpoints (version, hash, address,
// signature) at commit, for an outside archive.
void RecordCheckpointSignature(std::int64_t version, const std::string& address, const Bytes& signature);

}  // namespace txrelay::store
