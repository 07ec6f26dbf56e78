// secp256k1 signatures as Ethereum uses them, through libsecp256k1's recovery module: range and
// EIP-2 low-s checks, and sender recovery.
#pragma once

#include <cstdint>
#include <optional>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

struct Signature {
  Uint256 r = 0;
  Uint256 s = 0;
  std::uint8_t y_parity = 0;  // the recovery id: 0 or 1
};

// The order n of secp256k1 and n/2, the largest s EIP-2 allows.
const Uint256& Secp256k1Order();
const Uint256& Secp256k1HalfOrder();

// Why a signature is refused, or nullopt when it is acceptable: 1 <= r, s < n; s <= n/2 (EIP-2;
// libsecp256k1 itself accepts high s, geth refuses it, anvil mines it under another hash);
// y_parity 0 or 1.
std::optional<const char*> SignatureProblem(const Signature& sig);

// The address whose key made `sig` over `digest`, or nullopt if recovery fails. Call only for a
// signature without a SignatureProblem.
std::optional<Address> RecoverSigner(const Hash32& digest, const Signature& sig);

// The address of an uncompressed public key (64 bytes x||y): the last 20 bytes of its keccak.
Address AddressOfPublicKey(const std::uint8_t* xy64);

}  // namespace txrelay::eth
