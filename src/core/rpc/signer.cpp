#include "core/rpc/signer.hpp"

#include "core/rpc/jsonrpc.hpp"

namespace txrelay::rpc {

nlohmann::json SignTransactionParams(const eth::UnsignedTx& tx, const Address& from) {
  nlohmann::json t = {
      {"from", from.Checksummed()},       {"gas", ToHexQuantity(tx.gas_limit)},
      {"value", ToHexQuantity(tx.value)}, {"data", ToHex(tx.data)},
      {"nonce", ToHexQuantity(tx.nonce)}, {"chainId", ToHexQuantity(tx.chain_id.value_or(0))},
  };
  if (tx.to) t["to"] = tx.to->Checksummed();
  if (tx.type == eth::TxType::kDynamicFee) {
    t["type"] = "0x2";
    t["maxFeePerGas"] = ToHexQuantity(tx.max_fee_per_gas);
    t["maxPriorityFeePerGas"] = ToHexQuantity(tx.max_priority_fee_per_gas);
    t["accessList"] = nlohmann::json::array();
  } else {
    t["gasPrice"] = ToHexQuantity(tx.gas_price);
  }
  return nlohmann::json::array({t});
}

std::optional<Bytes> SignedRawFromResult(const nlohmann::json& result) {
  const nlohmann::json* raw = &result;
  if (result.is_object()) {
    if (!result.contains("raw")) return std::nullopt;
    raw = &result["raw"];
  }
  if (!raw->is_string()) return std::nullopt;
  const std::string text = raw->get<std::string>();
  if (text.rfind("0x", 0) != 0) return std::nullopt;
  return FromHex(text);
}

}  // namespace txrelay::rpc
