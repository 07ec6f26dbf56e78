#include "core/rpc/receipt.hpp"

#include <optional>

#include "core/rpc/fields.hpp"

namespace txrelay::rpc {

namespace {

// Byzantium (2017) replaced the post-state root by a status; without one, a revert and a payment
// look the same, so such a receipt is refused rather than read as a success.
Parsed<int> ReadStatus(const nlohmann::json& receipt, const std::string& what) {
  const auto it = receipt.find("status");
  if (it == receipt.end()) {
    return Refusal{what +
                   " has no status field (a pre-Byzantium receipt carries a state root instead): its outcome "
                   "cannot be known"};
  }
  if (*it == "0x1") return 1;
  if (*it == "0x0") return 0;
  return Refusal{what + " field \"status\" is neither \"0x0\" nor \"0x1\": " + DescribeValue(*it)};
}

// Reads the fields after transactionHash, naming the receipt by its transaction in messages.
std::optional<Refusal> ReadBody(const nlohmann::json& json, const std::string& what, Receipt& receipt) {
  auto block_number = ReadQuantity64(json, "blockNumber", what);
  if (!block_number.ok()) return Refusal{block_number.error};
  auto block_hash = ReadHash32(json, "blockHash", what);
  if (!block_hash.ok()) return Refusal{block_hash.error};
  auto status = ReadStatus(json, what);
  if (!status.ok()) return Refusal{status.error};
  auto gas_used = ReadQuantity256(json, "gasUsed", what);
  if (!gas_used.ok()) return Refusal{gas_used.error};
  auto effective_gas_price = ReadQuantity256(json, "effectiveGasPrice", what);
  if (!effective_gas_price.ok()) return Refusal{effective_gas_price.error};
  receipt.block_number = *block_number.value;
  receipt.block_hash = std::move(*block_hash.value);
  receipt.status = *status.value;
  receipt.gas_used = *gas_used.value;
  receipt.effective_gas_price = *effective_gas_price.value;
  return std::nullopt;
}

std::string BlockName(std::uint64_t number, const std::string& hash) {
  return "block " + std::to_string(number) + " (" + hash + ")";
}

}  // namespace

Parsed<Receipt> ParseReceipt(const nlohmann::json& json) {
  if (auto refused = RequireObject(json, "receipt")) return *refused;
  auto tx_hash = ReadHash32(json, "transactionHash", "receipt");
  if (!tx_hash.ok()) return Refusal{tx_hash.error};
  Receipt receipt;
  receipt.tx_hash = std::move(*tx_hash.value);
  if (auto refused = ReadBody(json, "receipt of " + receipt.tx_hash, receipt)) return *refused;
  return receipt;
}

Parsed<Receipt> ParseReceiptOf(const nlohmann::json& json, std::string_view tx_hash) {
  auto receipt = ParseReceipt(json);
  if (receipt.ok() && !SameHash(receipt.value->tx_hash, tx_hash)) {
    return Refusal{"the receipt asked for " + ShortenText(tx_hash, 66) + " is the receipt of " +
                   receipt.value->tx_hash};
  }
  return receipt;
}

Parsed<std::vector<Receipt>> ParseBlockReceipts(const nlohmann::json& result, const BlockHeader& block) {
  const std::string asked = BlockName(block.number, block.hash);
  if (result.is_null()) {
    return Refusal{"the receipts of " + asked +
                   " are null: the node no longer has the block (a reorg removed it) or has not seen it yet"};
  }
  if (!result.is_array()) {
    return Refusal{"the receipts of " + asked + " are not a JSON array: " + DescribeValue(result)};
  }
  std::vector<Receipt> receipts;
  for (std::size_t i = 0; i < result.size(); ++i) {
    auto receipt = ParseReceipt(result[i]);
    if (!receipt.ok()) return Refusal{"receipt " + std::to_string(i) + " of " + asked + ": " + receipt.error};
    const Receipt& r = *receipt.value;
    if (r.block_number != block.number || !SameHash(r.block_hash, block.hash)) {
      return Refusal{"receipt of " + r.tx_hash + " names " + BlockName(r.block_number, r.block_hash) +
                     ", not the " + asked + " whose receipts were asked: a reorg raced the read"};
    }
    receipts.push_back(std::move(*receipt.value));
  }
  return receipts;
}

}  // namespace txrelay::rpc
