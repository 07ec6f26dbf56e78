#include "core/eth/signature.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

namespace txrelay::eth {

const Uint256& Secp256k1Order() {
  static const Uint256 n("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  return n;
}

const Uint256& Secp256k1HalfOrder() {
  static const Uint256 half = Secp256k1Order() >> 1;
  return half;
}

std::optional<const char*> SignatureProblem(const Signature& sig) {
  if (sig.y_parity > 1) return "signature recovery id (y parity / v) must be 0 or 1";
  if (sig.r == 0 || sig.r >= Secp256k1Order()) return "signature r is out of range";
  if (sig.s == 0 || sig.s >= Secp256k1Order()) return "signature s is out of range";
  if (sig.s > Secp256k1HalfOrder())
    return "signature s is above n/2 (a malleated high-s signature, refused by EIP-2)";
  return std::nullopt;
}

std::optional<Address> RecoverSigner(const Hash32& digest, const Signature& sig) {
  std::uint8_t compact[64];
  const auto r = ToWord32(sig.r);
  const auto s = ToWord32(sig.s);
  std::copy(r.begin(), r.end(), compact);
  std::copy(s.begin(), s.end(), compact + 32);
  // The static context is enough for verification and recovery (libsecp256k1 >= 0.2).
  const secp256k1_context* ctx = secp256k1_context_static;
  secp256k1_ecdsa_recoverable_signature recoverable;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &recoverable, compact, sig.y_parity)) {
    return std::nullopt;
  }
  secp256k1_pubkey pubkey;
  if (!secp256k1_ecdsa_recover(ctx, &pubkey, &recoverable, digest.data())) return std::nullopt;
  std::uint8_t serialized[65];
  std::size_t length = sizeof serialized;
  secp256k1_ec_pubkey_serialize(ctx, serialized, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  return AddressOfPublicKey(serialized + 1);
}

Address AddressOfPublicKey(const std::uint8_t* xy64) {
  const Hash32 h = Keccak256(xy64, 64);
  Address a;
  std::copy(h.begin() + 12, h.end(), a.bytes.begin());
  return a;
}

}  // namespace txrelay::eth
