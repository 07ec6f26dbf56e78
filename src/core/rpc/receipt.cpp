#include "core/rpc/receipt.hpp"

#include <optional>
#include <set>

#include "core/rpc/fields.hpp"
#include "core/rpc/rollup_fee.hpp"

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
  auto rollup_fee = RollupFee(json, *gas_used.value, what);
  if (!rollup_fee.ok()) return Refusal{rollup_fee.error};
  receipt.rollup_fee = *rollup_fee.value;
  receipt.block_number = *block_number.value;
  receipt.block_hash = std::move(*block_hash.value);
  receipt.status = *status.value;
  receipt.gas_used = *gas_used.value;
  receipt.effective_gas_price = *effective_gas_price.value;
  return std::nullopt;
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

namespace {

// The receipts array of eth_getBlockReceipts(block), or why there is none.
std::optional<Refusal> RequireReceiptArray(const nlohmann::json& result, const std::string& asked) {
  if (result.is_null()) {
    return Refusal{"the receipts of " + asked +
                   " are null: the node no longer has the block (a reorg removed it) or has not seen it yet"};
  }
  if (!result.is_array())
    return Refusal{"the receipts of " + asked + " are not a JSON array: " + DescribeValue(result)};
  return std::nullopt;
}

// Receipt `i` of the block, read strictly and checked to name the block asked for.
Parsed<Receipt> ParseBlockReceipt(const nlohmann::json& item, std::size_t i, const BlockHeader& block,
                                  const std::string& asked) {
  auto receipt = ParseReceipt(item);
  if (!receipt.ok()) return Refusal{"receipt " + std::to_string(i) + " of " + asked + ": " + receipt.error};
  const Receipt& r = *receipt.value;
  if (r.block_number != block.number || !SameHash(r.block_hash, block.hash)) {
    return Refusal{"receipt of " + r.tx_hash + " names " + BlockName(r.block_number, r.block_hash) +
                   ", not the " + asked + " whose receipts were asked: a reorg raced the read"};
  }
  return receipt;
}

bool IsWanted(const nlohmann::json& item, const std::set<std::string>& wanted) {
  if (!item.is_object()) return false;
  auto hash = ReadHash32(item, "transactionHash", "receipt");
  return hash.ok() && wanted.count(*hash.value) > 0;
}

Parsed<std::vector<Receipt>> ParseSome(const nlohmann::json& result, const BlockHeader& block,
                                       const std::set<std::string>* wanted) {
  const std::string asked = BlockName(block.number, block.hash);
  if (auto refused = RequireReceiptArray(result, asked)) return *refused;
  std::vector<Receipt> receipts;
  for (std::size_t i = 0; i < result.size(); ++i) {
    if (wanted && !IsWanted(result[i], *wanted)) continue;  // not one of ours
    auto receipt = ParseBlockReceipt(result[i], i, block, asked);
    if (!receipt.ok()) return Refusal{receipt.error};
    receipts.push_back(std::move(*receipt.value));
  }
  return receipts;
}

}  // namespace

Parsed<std::vector<Receipt>> ParseBlockReceipts(const nlohmann::json& result, const BlockHeader& block) {
  return ParseSome(result, block, nullptr);
}

Parsed<std::vector<std::string>> BlockReceiptHashes(const nlohmann::json& result, const BlockHeader& block) {
  if (auto refused = RequireReceiptArray(result, BlockName(block.number, block.hash))) return *refused;
  std::vector<std::string> hashes;
  for (const auto& item : result) {
    if (!item.is_object()) continue;
    auto hash = ReadHash32(item, "transactionHash", "receipt");
    if (hash.ok()) hashes.push_back(std::move(*hash.value));
  }
  return hashes;
}

Parsed<std::vector<Receipt>> ParseBlockReceipts(const nlohmann::json& result, const BlockHeader& block,
                                                const std::set<std::string>& ours) {
  return ParseSome(result, block, &ours);
}

Parsed<Receipt> ParseReceiptInBlock(const nlohmann::json& json, std::string_view tx_hash,
                                    const BlockHeader& block) {
  const std::string asked = BlockName(block.number, block.hash);
  if (json.is_null()) {
    return Refusal{"no receipt of " + ShortenText(tx_hash, 66) + ", which " + asked +
                   " lists: a reorg raced the read, or the node lags"};
  }
  auto receipt = ParseReceiptOf(json, tx_hash);
  if (!receipt.ok()) return receipt;
  const Receipt& r = *receipt.value;
  if (r.block_number != block.number || !SameHash(r.block_hash, block.hash)) {
    return Refusal{"receipt of " + r.tx_hash + " names " + BlockName(r.block_number, r.block_hash) +
                   ", not the " + asked + " that lists it: a reorg raced the read"};
  }
  return receipt;
}

}  // namespace txrelay::rpc
