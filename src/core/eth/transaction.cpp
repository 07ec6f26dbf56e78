#include "core/eth/transaction.hpp"

#include "core/error.hpp"
#include "core/eth/rlp.hpp"

namespace txrelay::eth {

namespace {

Error Malformed(const std::string& why) {
  return Error(sqlstate::kSignedTxInvalid, "raw_tx is not a valid signed transaction", why + ".");
}

Bytes EncodeAddress(const std::optional<Address>& a) {
  if (!a) return EncodeRlpString(nullptr, 0);
  return EncodeRlpString(a->bytes.data(), a->bytes.size());
}

Bytes EncodeAccessList(const std::vector<AccessListEntry>& list) {
  std::vector<Bytes> entries;
  for (const auto& e : list) {
    std::vector<Bytes> keys;
    for (const auto& k : e.storage_keys) keys.push_back(EncodeRlpString(k.data(), k.size()));
    entries.push_back(EncodeRlpList(
        {EncodeRlpString(e.address.bytes.data(), e.address.bytes.size()), EncodeRlpList(keys)}));
  }
  return EncodeRlpList(entries);
}

// The fields every type shares, in its order, before the signature.
std::vector<Bytes> UnsignedFields(const UnsignedTx& tx) {
  const Bytes chain = EncodeRlpUint(tx.chain_id.value_or(0));
  switch (tx.type) {
    case TxType::kLegacy:
      return {EncodeRlpUint(tx.nonce), EncodeRlpUint(tx.gas_price), EncodeRlpUint(tx.gas_limit),
              EncodeAddress(tx.to),    EncodeRlpUint(tx.value),     EncodeRlpString(tx.data)};
    case TxType::kAccessList:
      return {chain,
              EncodeRlpUint(tx.nonce),
              EncodeRlpUint(tx.gas_price),
              EncodeRlpUint(tx.gas_limit),
              EncodeAddress(tx.to),
              EncodeRlpUint(tx.value),
              EncodeRlpString(tx.data),
              EncodeAccessList(tx.access_list)};
    case TxType::kDynamicFee:
      return {chain,
              EncodeRlpUint(tx.nonce),
              EncodeRlpUint(tx.max_priority_fee_per_gas),
              EncodeRlpUint(tx.max_fee_per_gas),
              EncodeRlpUint(tx.gas_limit),
              EncodeAddress(tx.to),
              EncodeRlpUint(tx.value),
              EncodeRlpString(tx.data),
              EncodeAccessList(tx.access_list)};
  }
  return {};
}

Bytes Typed(TxType type, const Bytes& payload) {
  Bytes out;
  out.reserve(payload.size() + 1);
  out.push_back(static_cast<std::uint8_t>(type));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::optional<Address> DecodeTo(const RlpItem& item) {
  const Bytes& b = RlpBytes(item, "to");
  if (b.empty()) return std::nullopt;
  if (b.size() != 20)
    throw RlpError("to must be empty (contract creation) or 20 bytes, got " + std::to_string(b.size()));
  Address a;
  std::copy(b.begin(), b.end(), a.bytes.begin());
  return a;
}

std::vector<AccessListEntry> DecodeAccessList(const RlpItem& item) {
  std::vector<AccessListEntry> out;
  for (const auto& entry : RlpList(item, "access list")) {
    const auto& pair = RlpList(entry, "access list entry");
    if (pair.size() != 2) throw RlpError("an access list entry must be [address, storage keys]");
    const Bytes& address = RlpBytes(pair[0], "access list address");
    if (address.size() != 20) throw RlpError("an access list address must be 20 bytes");
    AccessListEntry e;
    std::copy(address.begin(), address.end(), e.address.bytes.begin());
    for (const auto& key : RlpList(pair[1], "access list storage keys")) {
      const Bytes& k = RlpBytes(key, "access list storage key");
      if (k.size() != 32) throw RlpError("an access list storage key must be 32 bytes");
      Hash32 h;
      std::copy(k.begin(), k.end(), h.begin());
      e.storage_keys.push_back(h);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::uint64_t DecodeChainId(const RlpItem& item) {
  const Uint256 chain = RlpUint(item, "chain id");
  if (chain == 0 || chain > kMaxChainId) throw RlpError("chain id must be between 1 and 2^63 - 37");
  return static_cast<std::uint64_t>(chain);
}

// Legacy v: 27/28 (pre-EIP-155) or chain_id * 2 + 35/36.
void DecodeLegacyV(const Uint256& v, UnsignedTx& tx, Signature& sig) {
  if (v == 27 || v == 28) {
    sig.y_parity = static_cast<std::uint8_t>(v - 27);
    return;
  }
  if (v < 37) throw RlpError("legacy v must be 27, 28 or chain_id * 2 + 35/36");
  const Uint256 chain = (v - 35) / 2;
  if (chain > kMaxChainId) throw RlpError("chain id must be between 1 and 2^63 - 37");
  tx.chain_id = static_cast<std::uint64_t>(chain);
  sig.y_parity = static_cast<std::uint8_t>((v - 35) % 2);
}

void DecodeFields(TxType type, const std::vector<RlpItem>& f, UnsignedTx& tx, Signature& sig) {
  const std::size_t expected = type == TxType::kLegacy ? 9 : type == TxType::kAccessList ? 11 : 12;
  if (f.size() != expected) {
    throw RlpError("a type " + std::to_string(static_cast<int>(type)) + " transaction has " +
                   std::to_string(expected) + " fields, got " + std::to_string(f.size()));
  }
  std::size_t i = 0;
  if (type != TxType::kLegacy) tx.chain_id = DecodeChainId(f[i++]);
  tx.nonce = RlpUint64(f[i++], "nonce");
  if (tx.nonce == UINT64_MAX) throw RlpError("nonce must be below 2^64 - 1 (EIP-2681)");
  if (type == TxType::kDynamicFee) {
    tx.max_priority_fee_per_gas = RlpUint(f[i++], "max priority fee per gas");
    tx.max_fee_per_gas = RlpUint(f[i++], "max fee per gas");
  } else {
    tx.gas_price = RlpUint(f[i++], "gas price");
  }
  tx.gas_limit = RlpUint64(f[i++], "gas limit");
  tx.to = DecodeTo(f[i++]);
  tx.value = RlpUint(f[i++], "value");
  tx.data = RlpBytes(f[i++], "data");
  if (type != TxType::kLegacy) {
    tx.access_list = DecodeAccessList(f[i++]);
    const Uint256 parity = RlpUint(f[i++], "y parity");
    if (parity > 1) throw RlpError("y parity must be 0 or 1");
    sig.y_parity = static_cast<std::uint8_t>(parity);
  } else {
    DecodeLegacyV(RlpUint(f[i++], "v"), tx, sig);
  }
  sig.r = RlpUint(f[i++], "signature r");
  sig.s = RlpUint(f[i++], "signature s");
}

}  // namespace

Bytes UnsignedTx::SigningPayload() const {
  std::vector<Bytes> fields = UnsignedFields(*this);
  if (type == TxType::kLegacy) {
    if (chain_id) {  // EIP-155: the chain id and two empty values take the signature's place
      fields.push_back(EncodeRlpUint(*chain_id));
      fields.push_back(EncodeRlpUint(0));
      fields.push_back(EncodeRlpUint(0));
    }
    return EncodeRlpList(fields);
  }
  return Typed(type, EncodeRlpList(fields));
}

Bytes EncodeSigned(const UnsignedTx& tx, const Signature& sig) {
  std::vector<Bytes> fields = UnsignedFields(tx);
  if (tx.type == TxType::kLegacy) {
    const Uint256 v =
        tx.chain_id ? Uint256(*tx.chain_id) * 2 + 35 + sig.y_parity : Uint256(27 + sig.y_parity);
    fields.push_back(EncodeRlpUint(v));
  } else {
    fields.push_back(EncodeRlpUint(sig.y_parity));
  }
  fields.push_back(EncodeRlpUint(sig.r));
  fields.push_back(EncodeRlpUint(sig.s));
  const Bytes list = EncodeRlpList(fields);
  return tx.type == TxType::kLegacy ? list : Typed(tx.type, list);
}

SignedTx DecodeSignedTx(const std::uint8_t* data, std::size_t size) {
  if (size == 0) throw Malformed("it is empty");
  if (size > kMaxRawTxBytes) {
    throw Malformed("it is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxRawTxBytes) + " a node accepts");
  }
  SignedTx out;
  try {
    TxType type;
    RlpItem item;
    if (data[0] >= 0xc0) {
      type = TxType::kLegacy;
      item = DecodeRlp(data, size);
    } else if (data[0] == 0x01 || data[0] == 0x02) {
      type = static_cast<TxType>(data[0]);
      item = DecodeRlp(data + 1, size - 1);
    } else if (data[0] <= 0x7f) {
      throw RlpError("transaction type " + std::to_string(data[0]) +
                     " is not supported (withdrawals use types 0, 1 and 2)");
    } else {
      throw RlpError("it starts with neither a transaction type nor an RLP list");
    }
    out.tx.type = type;
    DecodeFields(type, RlpList(item, "transaction"), out.tx, out.signature);
  } catch (const RlpError& e) {
    throw Malformed(e.what());
  }
  if (const auto problem = SignatureProblem(out.signature)) throw Malformed(*problem);
  if (out.tx.type == TxType::kDynamicFee && out.tx.max_priority_fee_per_gas > out.tx.max_fee_per_gas) {
    throw Malformed("max priority fee per gas is above max fee per gas");
  }
  const auto sender = RecoverSigner(out.tx.SigningHash(), out.signature);
  if (!sender) throw Malformed("no sender can be recovered from the signature");
  out.sender = *sender;
  out.raw.assign(data, data + size);
  out.hash = Keccak256(out.raw);
  return out;
}

SignedTx AssembleSigned(const UnsignedTx& tx, const Signature& sig) {
  if (const auto problem = SignatureProblem(sig)) throw Malformed(*problem);
  return DecodeSignedTx(EncodeSigned(tx, sig));
}

void CheckReplayProtected(const SignedTx& tx) {
  if (tx.tx.type == TxType::kLegacy && !tx.tx.chain_id) {
    throw Error(sqlstate::kSignedTxInvalid, "raw_tx has no replay protection",
                "It is a pre-EIP-155 legacy transaction (v = 27 or 28), valid on every chain.",
                "Sign with EIP-155 (legacy with a chain id) or as a type 1 or type 2 transaction.");
  }
}

std::uint64_t IntrinsicGas(const UnsignedTx& tx) {
  std::uint64_t gas = 21000;
  for (const std::uint8_t b : tx.data) gas += b == 0 ? 4 : 16;
  for (const AccessListEntry& e : tx.access_list) gas += 2400 + 1900 * e.storage_keys.size();
  return gas;
}

}  // namespace txrelay::eth
