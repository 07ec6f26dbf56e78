// What the tracker knows of each chain (DESIGN §5): the heads it last saw and a window of recent
// canonical blocks (number -> hash, parent) to see reorgs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace txrelay::store {

struct StoredBlock {
  std::uint64_t number = 0;
  std::string hash;  // 0x-hex
};
std::optional<StoredBlock> TopBlock(std::int64_t chain_id);
// Stored hashes of blocks lo..hi, by number.
std::map<std::uint64_t, std::string> StoredHashes(std::int64_t chain_id, std::uint64_t lo, std::uint64_t hi);

void SaveBlock(std::int64_t chain_id, std::uint64_t number, const std::string& hash,
               const std::string& parent_hash);
struct SeenHeads {
  std::uint64_t latest = 0, safe = 0, finalized = 0;
  std::string latest_hash;
};
void SaveHeads(std::int64_t chain_id, const SeenHeads& heads);
// Keeps what a reorg can still touch: at least `window` blocks, and everything above finalized.
void PruneBlocks(std::int64_t chain_id, const SeenHeads& heads, std::int64_t window);
// Forgets the blocks above `fork` (a reorg replaced them).
void ForgetBlocksAbove(std::int64_t chain_id, std::uint64_t fork);

}  // namespace txrelay::store
