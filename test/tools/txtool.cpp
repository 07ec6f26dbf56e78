// Test tool: makes the transactions cast cannot (a malleated high-s copy, a pre-EIP-155 legacy
// transaction) and decodes raw transactions with txrelay's codec. Used by test/vectors/generate.sh,
// which has each of its outputs decoded again by `cast decode-tx` before it becomes a vector.
// Test code only: it signs with keys given on the command line (anvil's public dev keys).

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <iostream>
#include <string>

#include "core/address.hpp"
#include "core/error.hpp"
#include "core/eth/transaction.hpp"
#include "core/eth/tx_json.hpp"

using namespace txrelay;
using namespace txrelay::eth;

namespace {

Bytes Hex(const std::string& text) {
  auto b = FromHex(text);
  if (!b) throw std::runtime_error("not hex: " + text);
  return *b;
}

// s' = n - s with the other recovery id: the same signer, another byte string and hash.
std::string Malleate(const std::string& raw_hex) {
  const SignedTx t = DecodeSignedTx(Hex(raw_hex));
  Signature sig = t.signature;
  sig.s = Secp256k1Order() - sig.s;
  sig.y_parity ^= 1;
  return ToHex(EncodeSigned(t.tx, sig));
}

std::string SignUnprotected(const std::string& key_hex, const std::string& nonce,
                            const std::string& gas_price, const std::string& gas, const std::string& to,
                            const std::string& value) {
  UnsignedTx tx;
  tx.type = TxType::kLegacy;
  tx.nonce = std::stoull(nonce);
  tx.gas_price = Uint256(gas_price);
  tx.gas_limit = std::stoull(gas);
  tx.to = ParseAddress(to, "to");
  tx.value = Uint256(value);
  const Bytes key = Hex(key_hex);
  const Hash32 digest = tx.SigningHash();
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_ecdsa_recoverable_signature rsig;
  if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest.data(), key.data(), nullptr, nullptr)) {
    throw std::runtime_error("signing failed");
  }
  unsigned char compact[64];
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &recid, &rsig);
  secp256k1_context_destroy(ctx);
  Signature sig{FromBigEndian(compact, 32), FromBigEndian(compact + 32, 32),
                static_cast<std::uint8_t>(recid)};
  return ToHex(EncodeSigned(tx, sig));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "malleate" && argc == 3) {
      std::cout << Malleate(argv[2]) << "\n";
    } else if (cmd == "sign-unprotected" && argc == 8) {
      std::cout << SignUnprotected(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]) << "\n";
    } else if (cmd == "decode" && argc == 3) {
      std::cout << TxToJson(DecodeSignedTx(Hex(argv[2]))) << "\n";
    } else {
      std::cerr
          << "usage: txtool malleate RAW | sign-unprotected KEY NONCE GAS_PRICE GAS TO VALUE | decode RAW\n";
      return 2;
    }
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << ": " << e.detail() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
