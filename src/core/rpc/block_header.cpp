#include "core/rpc/block_header.hpp"

#include "core/rpc/fields.hpp"

namespace txrelay::rpc {

Parsed<BlockHeader> ParseBlockHeader(const nlohmann::json& block) {
  if (auto refused = RequireObject(block, "block header")) return *refused;
  auto number = ReadQuantity64(block, "number", "block header");
  if (!number.ok()) return Refusal{number.error};
  const std::string what = "block " + std::to_string(*number.value);  // named from here on
  auto hash = ReadHash32(block, "hash", what);
  if (!hash.ok()) return Refusal{hash.error};
  auto parent_hash = ReadHash32(block, "parentHash", what);
  if (!parent_hash.ok()) return Refusal{parent_hash.error};
  BlockHeader header;
  header.number = *number.value;
  header.hash = std::move(*hash.value);
  header.parent_hash = std::move(*parent_hash.value);
  if (block.contains("baseFeePerGas")) {
    auto base_fee = ReadQuantity256(block, "baseFeePerGas", what);
    if (!base_fee.ok()) return Refusal{base_fee.error};
    header.base_fee = *base_fee.value;
  }
  return header;
}

std::string BlockName(std::uint64_t number, const std::string& hash) {
  return "block " + std::to_string(number) + " (" + hash + ")";
}

namespace {

Parsed<std::string> TransactionHash(const nlohmann::json& item, std::size_t i, const std::string& asked) {
  const std::string what = "transaction " + std::to_string(i) + " of " + asked;
  if (item.is_object()) return ReadHash32(item, "hash", what);
  const nlohmann::json holder = {{"hash", item}};
  return ReadHash32(holder, "hash", what);
}

}  // namespace

Parsed<std::vector<std::string>> BlockTransactionHashes(const nlohmann::json& result,
                                                        const BlockHeader& block) {
  const std::string asked = BlockName(block.number, block.hash);
  if (result.is_null())
    return Refusal{asked + " is gone: a reorg removed it, or the node has not seen it yet"};
  auto header = ParseBlockHeader(result);
  if (!header.ok()) return Refusal{header.error};
  if (!SameHash(header.value->hash, block.hash)) {
    return Refusal{"asked for " + asked + ", the node answered " +
                   BlockName(header.value->number, header.value->hash)};
  }
  if (!result.contains("transactions") || !result["transactions"].is_array()) {
    return Refusal{asked + " has no transactions list"};
  }
  std::vector<std::string> hashes;
  const auto& transactions = result["transactions"];
  for (std::size_t i = 0; i < transactions.size(); ++i) {
    auto hash = TransactionHash(transactions[i], i, asked);
    if (!hash.ok()) return Refusal{hash.error};
    hashes.push_back(std::move(*hash.value));
  }
  return hashes;
}

}  // namespace txrelay::rpc
