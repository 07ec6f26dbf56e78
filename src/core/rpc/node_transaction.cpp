#include "core/rpc/node_transaction.hpp"

#include <string>

#include "core/error.hpp"
#include "core/hex.hpp"
#include "core/rpc/fields.hpp"

namespace txrelay::rpc {

namespace {

constexpr std::string_view kWhat = "transaction";

// A refusal thrown from the field readers below, caught once at the top.
struct Refused {
  Refusal refusal;
};

template <class T>
T Take(Parsed<T> parsed) {
  if (!parsed.ok()) throw Refused{Refusal{parsed.error}};
  return std::move(*parsed.value);
}

const nlohmann::json& Field(const nlohmann::json& tx, const char* name) {
  const auto it = tx.find(name);
  if (it == tx.end()) throw Refused{Refusal{"transaction has no \"" + std::string(name) + "\" field"}};
  return *it;
}

Bytes HexBytes(const nlohmann::json& tx, const char* name) {
  const nlohmann::json& v = Field(tx, name);
  std::optional<Bytes> bytes;
  if (v.is_string()) bytes = FromHex(v.get<std::string>());
  if (!bytes)
    throw Refused{
        Refusal{"transaction field \"" + std::string(name) + "\" is not 0x-hex: " + DescribeValue(v)}};
  return *bytes;
}

Address AddressField(const nlohmann::json& v, const std::string& name) {
  if (!v.is_string())
    throw Refused{Refusal{"transaction field \"" + name + "\" is not an address: " + DescribeValue(v)}};
  try {
    return ParseAddress(v.get<std::string>(), name);
  } catch (const Error& e) {
    throw Refused{Refusal{"transaction field \"" + name + "\" is not an address: " + DescribeValue(v)}};
  }
}

std::vector<eth::AccessListEntry> AccessList(const nlohmann::json& tx) {
  const auto it = tx.find("accessList");
  if (it == tx.end() || it->is_null()) return {};
  if (!it->is_array()) throw Refused{Refusal{"transaction field \"accessList\" is not an array"}};
  std::vector<eth::AccessListEntry> out;
  for (const auto& e : *it) {
    if (!e.is_object()) throw Refused{Refusal{"transaction access list entry is not an object"}};
    eth::AccessListEntry entry{AddressField(Field(e, "address"), "accessList.address"), {}};
    for (const auto& k : Field(e, "storageKeys")) {
      const auto bytes = k.is_string() ? FromHex(k.get<std::string>()) : std::nullopt;
      if (!bytes || bytes->size() != 32)
        throw Refused{Refusal{"transaction storage key is not 32 bytes of hex"}};
      Hash32 key;
      std::copy(bytes->begin(), bytes->end(), key.begin());
      entry.storage_keys.push_back(key);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

// Legacy: v carries the chain id (EIP-155: chain_id * 2 + 35 + parity) or not (27 / 28).
void ReadLegacyV(const nlohmann::json& tx, eth::UnsignedTx& out, eth::Signature& sig) {
  const Uint256 v = Take(ReadQuantity256(tx, "v", kWhat));
  if (v == 27 || v == 28) {
    sig.y_parity = static_cast<std::uint8_t>(v - 27);
    return;
  }
  if (v < 35 || (v - 35) / 2 > eth::kMaxChainId)
    throw Refused{Refusal{"transaction field \"v\" is not a legacy v"}};
  out.chain_id = static_cast<std::uint64_t>((v - 35) / 2);
  sig.y_parity = static_cast<std::uint8_t>((v - 35) % 2);
}

// Types 1 and 2: the parity in "yParity" (newer nodes) or "v" (older ones: the same 0 or 1).
void ReadTypedParity(const nlohmann::json& tx, eth::UnsignedTx& out, eth::Signature& sig) {
  out.chain_id = Take(ReadQuantity64(tx, "chainId", kWhat));
  const std::uint64_t parity = Take(ReadQuantity64(tx, tx.contains("yParity") ? "yParity" : "v", kWhat));
  if (parity > 1) throw Refused{Refusal{"transaction y parity is neither 0 nor 1"}};
  sig.y_parity = static_cast<std::uint8_t>(parity);
}

eth::TxType ReadType(const nlohmann::json& tx) {
  if (!tx.contains("type")) return eth::TxType::kLegacy;  // nodes from before EIP-2718
  const std::uint64_t type = Take(ReadQuantity64(tx, "type", kWhat));
  if (type > 2)
    throw Refused{Refusal{"transaction type " + std::to_string(type) + " is not one txrelay reads"}};
  return static_cast<eth::TxType>(type);
}

eth::SignedTx Rebuild(const nlohmann::json& tx) {
  eth::UnsignedTx out;
  eth::Signature sig;
  out.type = ReadType(tx);
  out.nonce = Take(ReadQuantity64(tx, "nonce", kWhat));
  out.gas_limit = Take(ReadQuantity64(tx, "gas", kWhat));
  const nlohmann::json& to = Field(tx, "to");
  if (to.is_null()) throw Refused{Refusal{"transaction creates a contract (no \"to\")"}};
  out.to = AddressField(to, "to");
  out.value = Take(ReadQuantity256(tx, "value", kWhat));
  out.data = HexBytes(tx, "input");
  if (out.type == eth::TxType::kDynamicFee) {
    out.max_fee_per_gas = Take(ReadQuantity256(tx, "maxFeePerGas", kWhat));
    out.max_priority_fee_per_gas = Take(ReadQuantity256(tx, "maxPriorityFeePerGas", kWhat));
  } else {
    out.gas_price = Take(ReadQuantity256(tx, "gasPrice", kWhat));
  }
  if (out.type == eth::TxType::kLegacy) {
    ReadLegacyV(tx, out, sig);
  } else {
    out.access_list = AccessList(tx);
    ReadTypedParity(tx, out, sig);
  }
  sig.r = Take(ReadQuantity256(tx, "r", kWhat));
  sig.s = Take(ReadQuantity256(tx, "s", kWhat));
  try {
    return eth::AssembleSigned(out, sig);
  } catch (const Error& e) {
    throw Refused{Refusal{std::string("transaction does not rebuild: ") + e.what()}};
  }
}

}  // namespace

Parsed<eth::SignedTx> ParseNodeTransaction(const nlohmann::json& tx) {
  if (auto refusal = RequireObject(tx, kWhat)) return *refusal;
  try {
    eth::SignedTx signed_tx = Rebuild(tx);
    const std::string hash = Take(ReadHash32(tx, "hash", kWhat));
    if (!SameHash(hash, ToHex(signed_tx.hash.data(), signed_tx.hash.size()))) {
      return Refusal{"transaction fields hash to " + ToHex(signed_tx.hash.data(), signed_tx.hash.size()) +
                     ", not to the node's hash " + hash};
    }
    if (AddressField(Field(tx, "from"), "from") != signed_tx.sender) {
      return Refusal{"transaction signature recovers " + signed_tx.sender.Checksummed() +
                     ", not the node's sender " + DescribeValue(tx["from"])};
    }
    return signed_tx;
  } catch (const Refused& r) {
    return r.refusal;
  }
}

}  // namespace txrelay::rpc
