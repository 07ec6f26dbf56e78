// Fee maths for EIP-1559 transactions (DESIGN §5): a quote from the chain's base fee and
// suggested tip, capped per chain, and the replacement bump geth requires (both fields at least
// 10 % + 1 wei higher).
#pragma once

#include <optional>

#include "core/amount.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::rpc {

struct FeeQuote {
  Uint256 max_fee_per_gas = 0;
  Uint256 max_priority_fee_per_gas = 0;
  bool capped = false;  // the chain's cap cut the quote: inclusion may wait for the base fee to drop
};

// tip = min(suggested tip, tip cap); max fee = 2 * base fee + tip (room for the base fee to rise
// 12.5 % per block for several blocks), cut to the fee cap; the tip never exceeds the max fee.
FeeQuote QuoteFees(const Uint256& base_fee, const Uint256& suggested_tip, const Uint256& fee_cap,
                   const Uint256& tip_cap);

// The smallest fees a node accepts as a replacement for `previous`: each field
// floor(1.1 * old) + 1, then raised to `market` if that is higher. nullopt when the bump would
// pass a cap: at the cap bumping stops (and the caller alerts).
std::optional<FeeQuote> BumpFees(const FeeQuote& previous, const FeeQuote& market, const Uint256& fee_cap,
                                 const Uint256& tip_cap);

// The least a cancel's gap filler bids to replace `previous` at its nonce: BumpFees' floor, cut
// to the caps where it would pass them (the node may then refuse it as underpriced, and the
// broadcaster bumps it like any other; a gap filler priced above the caps could not be signed).
FeeQuote ReplacementFloor(const FeeQuote& previous, const Uint256& fee_cap, const Uint256& tip_cap);

}  // namespace txrelay::rpc
