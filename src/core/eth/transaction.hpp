// Ethereum transactions of the three types a withdrawal may use: legacy (EIP-155 and, for
// decoding only, pre-155), EIP-2930 (type 1) and EIP-1559 (type 2). Strict decoding of signed
// bytes, signing hash, transaction hash, unsigned encoding, and assembly of a signed transaction
// from an unsigned one plus (r, s, y parity) as a KMS-style signer returns them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/eth/signature.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

enum class TxType : std::uint8_t { kLegacy = 0, kAccessList = 1, kDynamicFee = 2 };

struct AccessListEntry {
  Address address;
  std::vector<Hash32> storage_keys;
};

// EIP-2294: the largest chain id for which a legacy EIP-155 v still fits a 64-bit integer.
inline constexpr std::uint64_t kMaxChainId = UINT64_MAX / 2 - 36;

struct UnsignedTx {
  TxType type = TxType::kDynamicFee;
  // None only for a pre-EIP-155 legacy transaction (valid on chain, replayable on every chain).
  std::optional<std::uint64_t> chain_id;
  std::uint64_t nonce = 0;
  Uint256 gas_price = 0;                 // legacy and type 1
  Uint256 max_priority_fee_per_gas = 0;  // type 2
  Uint256 max_fee_per_gas = 0;           // type 2
  std::uint64_t gas_limit = 0;
  std::optional<Address> to;  // none: contract creation
  Uint256 value = 0;
  Bytes data;
  std::vector<AccessListEntry> access_list;  // types 1 and 2

  // What the sender may pay per gas at most, and its tip: for legacy and type 1 both are the
  // gas price.
  Uint256 FeeCap() const { return type == TxType::kDynamicFee ? max_fee_per_gas : gas_price; }
  Uint256 TipCap() const { return type == TxType::kDynamicFee ? max_priority_fee_per_gas : gas_price; }

  // The bytes whose keccak the sender signs.
  Bytes SigningPayload() const;
  Hash32 SigningHash() const { return Keccak256(SigningPayload()); }
};

struct SignedTx {
  UnsignedTx tx;
  Signature signature;
  Bytes raw;       // the wire bytes (as sent with eth_sendRawTransaction)
  Hash32 hash;     // keccak256(raw), the transaction hash
  Address sender;  // recovered from the signature
};

// The gas a transaction costs before it runs (what a node refuses a gas limit below): 21,000, plus
// 16 per non-zero and 4 per zero calldata byte (EIP-2028), plus 2,400 per access-list address and
// 1,900 per storage key (EIP-2930). Only calls: txrelay never creates contracts.
std::uint64_t IntrinsicGas(const UnsignedTx& tx);

// Encodes `tx` signed with `sig` in its wire format. For legacy EIP-155, v is derived from the
// chain id and y parity.
Bytes EncodeSigned(const UnsignedTx& tx, const Signature& sig);

// The longest signed transaction accepted: geth's limit for a transaction in its pool (128 KiB).
inline constexpr std::size_t kMaxRawTxBytes = 128 * 1024;

// Decodes and checks signed wire bytes (at most kMaxRawTxBytes): canonical RLP, the layout of the type,
// integers in range, a supported type (0, 1, 2), a valid low-s signature (EIP-2) from which a sender is
// recovered. Throws Error TR005 whose message says what is wrong. Pre-EIP-155 legacy transactions decode
// (with no chain id); refusing them is the caller's policy (CheckReplayProtected).
SignedTx DecodeSignedTx(const std::uint8_t* data, std::size_t size);
inline SignedTx DecodeSignedTx(const Bytes& raw) { return DecodeSignedTx(raw.data(), raw.size()); }

// Assembles and verifies a signed transaction from an unsigned one and a signer's (r, s, y).
SignedTx AssembleSigned(const UnsignedTx& tx, const Signature& sig);

// Throws Error TR005 for a transaction without EIP-155 replay protection.
void CheckReplayProtected(const SignedTx& tx);

}  // namespace txrelay::eth
