#include "core/eth/tx_json.hpp"

#include <nlohmann/json.hpp>

#include "core/eth/erc20.hpp"

namespace txrelay::eth {

namespace {
// A 256-bit value as 0x and 64 hex digits.
std::string Word32Hex(const Uint256& v) {
  const auto word = ToWord32(v);
  return ToHex(word.data(), word.size());
}
}  // namespace

std::string TxToJson(const SignedTx& s) {
  const UnsignedTx& tx = s.tx;
  nlohmann::json j;
  j["type"] = static_cast<int>(tx.type);
  j["chain_id"] = tx.chain_id ? nlohmann::json(*tx.chain_id) : nlohmann::json(nullptr);
  j["replay_protected"] = tx.chain_id.has_value();
  j["nonce"] = tx.nonce;
  j["to"] = tx.to ? nlohmann::json(tx.to->Checksummed()) : nlohmann::json(nullptr);
  j["value"] = ToDecimal(tx.value);
  j["data"] = ToHex(tx.data);
  j["gas"] = tx.gas_limit;
  if (tx.type == TxType::kDynamicFee) {
    j["max_fee_per_gas"] = ToDecimal(tx.max_fee_per_gas);
    j["max_priority_fee_per_gas"] = ToDecimal(tx.max_priority_fee_per_gas);
  } else {
    j["gas_price"] = ToDecimal(tx.gas_price);
  }
  if (tx.type != TxType::kLegacy) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : tx.access_list) {
      nlohmann::json keys = nlohmann::json::array();
      for (const auto& k : e.storage_keys) keys.push_back(ToHex(k.data(), k.size()));
      list.push_back({{"address", e.address.Checksummed()}, {"storage_keys", keys}});
    }
    j["access_list"] = list;
  }
  if (const auto transfer = DecodeErc20Transfer(tx.data)) {
    j["erc20_transfer"] = {{"recipient", transfer->recipient.Checksummed()},
                           {"amount", ToDecimal(transfer->amount)}};
  }
  j["y_parity"] = s.signature.y_parity;
  j["r"] = Word32Hex(s.signature.r);
  j["s"] = Word32Hex(s.signature.s);
  j["sender"] = s.sender.Checksummed();
  j["hash"] = ToHex(s.hash.data(), s.hash.size());
  return j.dump();
}

}  // namespace txrelay::eth
