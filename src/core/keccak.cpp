#include "core/keccak.hpp"

#include <algorithm>

#include <crypto++/keccak.h>

namespace txrelay {

Hash32 Keccak256(const std::uint8_t* data, std::size_t size) {
  CryptoPP::Keccak_256 keccak;
  keccak.Update(data, size);
  Hash32 out;
  keccak.Final(out.data());
  return out;
}

std::optional<Hash32> AsHash32(const std::uint8_t* data, std::size_t size) {
  Hash32 h;
  if (size != h.size()) return std::nullopt;
  std::copy(data, data + size, h.begin());
  return h;
}

}  // namespace txrelay
