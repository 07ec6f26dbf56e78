#include "core/nonce_key.hpp"

namespace txrelay {

std::string NonceKey(std::int64_t chain_id, std::string_view from_address, std::uint64_t nonce) {
  return std::to_string(chain_id) + ":" + std::string(from_address) + ":" + std::to_string(nonce);
}

}  // namespace txrelay
