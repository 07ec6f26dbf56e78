// A block header as eth_getBlockByNumber / eth_getBlockByHash answer it (transactions not
// expanded), read strictly: the tracker builds its view of the canonical chain from these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.hpp"
#include "core/rpc/parsed.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

struct BlockHeader {
  std::uint64_t number = 0;
  std::string hash;                 // lower-case 0x + 64 hex digits
  std::string parent_hash;          // same
  std::optional<Uint256> base_fee;  // empty before London (no baseFeePerGas)
};

// Refuses anything but an object (null: the node does not know the block), a missing or malformed
// number, hash or parentHash, and a baseFeePerGas that is present but not a quantity (null too).
Parsed<BlockHeader> ParseBlockHeader(const nlohmann::json& block);

// The answer to eth_getBlockByHash(block.hash, false): the hashes of its transactions (lower case;
// full transaction objects are read for their "hash" too). Refuses null (the block is gone),
// another block, and a transactions list that is missing or holds something unreadable.
Parsed<std::vector<std::string>> BlockTransactionHashes(const nlohmann::json& result,
                                                        const BlockHeader& block);

// "block N (0x...)", as errors name a block.
std::string BlockName(std::uint64_t number, const std::string& hash);

}  // namespace txrelay::rpc
