#include "store/chain_blocks.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

namespace {
std::int64_t Signed(std::uint64_t value) { return static_cast<std::int64_t>(value); }
}  // namespace

std::optional<StoredBlock> TopBlock(std::int64_t chain_id) {
  static const pg::Statement kTop(R"sql(
    SELECT number, '0x' || encode(hash, 'hex') AS hash FROM txrelay.chain_blocks
     WHERE chain_id = $1 ORDER BY number DESC LIMIT 1)sql",
                                  {INT8OID});
  const auto rows = kTop.Run({pg::Int8Param(chain_id)});
  if (rows.empty()) return std::nullopt;
  return StoredBlock{static_cast<std::uint64_t>(rows.front().Int64("number")), rows.front().Text("hash")};
}

std::map<std::uint64_t, std::string> StoredHashes(std::int64_t chain_id, std::uint64_t lo, std::uint64_t hi) {
  static const pg::Statement kStored(R"sql(
    SELECT number, '0x' || encode(hash, 'hex') AS hash FROM txrelay.chain_blocks
     WHERE chain_id = $1 AND number BETWEEN $2 AND $3)sql",
                                     {INT8OID, INT8OID, INT8OID});
  const auto rows =
      kStored.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(lo)), pg::Int8Param(Signed(hi))});
  std::map<std::uint64_t, std::string> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    out[static_cast<std::uint64_t>(rows[i].Int64("number"))] = rows[i].Text("hash");
  }
  return out;
}

void SaveBlock(std::int64_t chain_id, std::uint64_t number, const std::string& hash,
               const std::string& parent_hash) {
  static const pg::Statement kBlock(R"sql(
    INSERT INTO txrelay.chain_blocks (chain_id, number, hash, parent_hash)
    VALUES ($1, $2, decode(substr($3, 3), 'hex'), decode(substr($4, 3), 'hex'))
    ON CONFLICT ON CONSTRAINT chain_blocks_pkey DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash)sql",
                                    {INT8OID, INT8OID, TEXTOID, TEXTOID});
  kBlock.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(number)), pg::TextParam(hash),
              pg::TextParam(parent_hash)});
}

void SaveHeads(std::int64_t chain_id, const SeenHeads& h) {
  static const pg::Statement kHeads(R"sql(
    INSERT INTO txrelay.chain_heads AS h (chain_id, latest_number, latest_hash, safe_number, finalized_number)
    VALUES ($1, $2, decode(substr($3, 3), 'hex'), $4, $5)
    ON CONFLICT ON CONSTRAINT chain_heads_pkey DO UPDATE
       SET latest_number = EXCLUDED.latest_number, latest_hash = EXCLUDED.latest_hash,
           safe_number = EXCLUDED.safe_number, finalized_number = EXCLUDED.finalized_number, updated_at = now())sql",
                                    {INT8OID, INT8OID, TEXTOID, INT8OID, INT8OID});
  kHeads.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(h.latest)), pg::TextParam(h.latest_hash),
              pg::Int8Param(Signed(h.safe)), pg::Int8Param(Signed(h.finalized))});
}

void PruneBlocks(std::int64_t chain_id, const SeenHeads& h, std::int64_t window) {
  static const pg::Statement kPrune(
      "DELETE FROM txrelay.chain_blocks WHERE chain_id = $1 AND number < least($2, $3 - $4)",
      {INT8OID, INT8OID, INT8OID, INT8OID});
  kPrune.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(h.finalized)), pg::Int8Param(Signed(h.latest)),
              pg::Int8Param(window)});
}

void ForgetBlocksAbove(std::int64_t chain_id, std::uint64_t fork) {
  static const pg::Statement kForget("DELETE FROM txrelay.chain_blocks WHERE chain_id = $1 AND number > $2",
                                     {INT8OID, INT8OID});
  kForget.Run({pg::Int8Param(chain_id), pg::Int8Param(Signed(fork))});
}

}  // namespace txrelay::store
