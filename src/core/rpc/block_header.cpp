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

}  // namespace txrelay::rpc
