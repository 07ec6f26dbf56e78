// EIP-191 "personal" signatures (version 0x45: eth_sign, personal_sign): what an audit key signs
// for a ledger checkpoint, and who signed it. The signature is r || s || v, 65 bytes, v 27 or 28
// (0 or 1 accepted), low s (EIP-2).
#pragma once

#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

// keccak256("\x19Ethereum Signed Message:\n" + decimal length + message).
Hash32 PersonalMessageDigest(const Bytes& message);

// The address that signed `message` with `signature`, or an error sentence: a signature that is
// not 65 bytes, has a v other than 27/28 (or 0/1), an r or s out of range or a high s, or does not
// recover.
struct RecoveredSigner {
  std::optional<Address> address;
  std::string problem;
};
RecoveredSigner RecoverPersonalSigner(const Bytes& message, const Bytes& signature);

}  // namespace txrelay::eth
