#include "core/eth/personal_sign.hpp"

#include "core/eth/signature.hpp"

namespace txrelay::eth {

namespace {

Uint256 BigEndian(const std::uint8_t* bytes) {
  Uint256 value = 0;
  for (int i = 0; i < 32; ++i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

Hash32 PersonalMessageDigest(const Bytes& message) {
  const std::string prefix =
      "\x19"
      "Ethereum Signed Message:\n" +
      std::to_string(message.size());
  Bytes data(prefix.begin(), prefix.end());
  data.insert(data.end(), message.begin(), message.end());
  return Keccak256(data);
}

RecoveredSigner RecoverPersonalSigner(const Bytes& message, const Bytes& signature) {
  if (signature.size() != 65) return {std::nullopt, "a signature is 65 bytes (r, s, v)"};
  const std::uint8_t v = signature[64];
  if (v != 27 && v != 28 && v != 0 && v != 1) return {std::nullopt, "v must be 27 or 28"};
  Signature sig;
  sig.r = BigEndian(signature.data());
  sig.s = BigEndian(signature.data() + 32);
  sig.y_parity = static_cast<std::uint8_t>(v >= 27 ? v - 27 : v);
  if (const auto problem = SignatureProblem(sig)) return {std::nullopt, *problem};
  const auto address = RecoverSigner(PersonalMessageDigest(message), sig);
  if (!address) return {std::nullopt, "the signature does not recover to a key"};
  return {address, ""};
}

}  // namespace txrelay::eth
