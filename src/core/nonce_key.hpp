// The nonce key (DESIGN §1.2): "chain_id:from_address:nonce", the chain-level idempotency key and
// one of the five identifiers in logs. txrelay.nonce_reservations stores it as a generated
// column; this is its one C++ spelling, and test/unit/nonce_key_test.cpp checks that the two agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

std::string NonceKey(std::int64_t chain_id, std::string_view from_address, std::uint64_t nonce);

}  // namespace txrelay
