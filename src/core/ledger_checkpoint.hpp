// Ledger checkpoints, the "state versions" of DESIGN §8: a numbered snapshot of account totals,
// each account at a position of its own hash chain. A checkpoint's hash covers the previous
// checkpoint's hash and the accounts that changed since, so version N's hash stands for every
// balance and every entry up to it: two nodes with the same hash hold the same ledger.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

// One account as a checkpoint records it.
struct CheckpointAccount {
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string credited;  // canonical decimals
  std::string reserved;
  std::string spent;
  std::int64_t entry_count = 0;  // entries covered: account_seq 1 .. entry_count
  Hash32 last_hash{};            // the hash of the entry at entry_count
};

Hash32 CheckpointAccountHash(const CheckpointAccount& account);

// `account_hashes` is the concatenation of CheckpointAccountHash of the changed accounts in
// (account, chain_id, asset) byte order; throws Error 22023 if it is not a whole number of hashes.
Hash32 CheckpointHash(const std::optional<Hash32>& prev_hash, std::int64_t version, std::int64_t taken_at_us,
                      const Bytes& account_hashes);

}  // namespace txrelay
