#include "core/keccak.hpp"

#include <crypto++/keccak.h>

namespace txrelay {

Hash32 Keccak256(const std::uint8_t* data, std::size_t size) {
  CryptoPP::Keccak_256 keccak;
  keccak.Update(data, size);
  Hash32 out;
  keccak.Final(out.data());
  return out;
}

}  // namespace txrelay
