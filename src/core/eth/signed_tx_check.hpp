// Whether a signed transaction is exactly what a signature request asked for (DESIGN §3): the
// one check both submit_signed and the broadcaster (for its signer's answer) apply.
#pragma once

#include <cstdint>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/eth/transaction.hpp"
#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

// What the signature request fixed, and the chain's fee caps.
struct ExpectedTx {
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  Address from;
  Address to;
  Uint256 value = 0;
  Bytes data;
  Uint256 max_fee_per_gas_cap = 0;
  Uint256 max_priority_fee_cap = 0;
  std::uint64_t max_gas_limit = 0;
  // A fee bump: both fee fields at least these (the replaced attempt's + 10 % + 1 wei).
  Uint256 min_max_fee_per_gas = 0;
  Uint256 min_max_priority_fee_per_gas = 0;
};

// Throws Error TR005 for a transaction without replay protection and Error TR004 naming the
// first field that differs: chain_id, nonce, sender, to, value, data, gas_limit,
// max_fee_per_gas, max_priority_fee_per_gas (above a cap, or below a fee bump's minimum).
void CheckSignedTx(const SignedTx& tx, const ExpectedTx& expected);

}  // namespace txrelay::eth
