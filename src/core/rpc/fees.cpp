#include "core/rpc/fees.hpp"

#include <algorithm>

namespace txrelay::rpc {

namespace {

using Big = boost::multiprecision::cpp_int;

// floor(1.1 * old) + 1 in unbounded arithmetic, so that no fee near 2^256 can overflow.
Big Bumped(const Uint256& old) { return Big(old) * 11 / 10 + 1; }

}  // namespace

FeeQuote QuoteFees(const Uint256& base_fee, const Uint256& suggested_tip, const Uint256& fee_cap,
                   const Uint256& tip_cap) {
  FeeQuote q;
  q.max_priority_fee_per_gas = std::min(suggested_tip, tip_cap);
  // 2 * base + tip cannot overflow for any real base fee; saturate anyway rather than throw.
  const Uint256 limit = std::numeric_limits<Uint256>::max();
  const Uint256 doubled = base_fee > limit / 2 ? limit : base_fee * 2;
  const Uint256 wanted =
      doubled > limit - q.max_priority_fee_per_gas ? limit : doubled + q.max_priority_fee_per_gas;
  q.max_fee_per_gas = std::min(wanted, fee_cap);
  q.capped = wanted > fee_cap;
  q.max_priority_fee_per_gas = std::min(q.max_priority_fee_per_gas, q.max_fee_per_gas);
  return q;
}

std::optional<FeeQuote> BumpFees(const FeeQuote& previous, const FeeQuote& market, const Uint256& fee_cap,
                                 const Uint256& tip_cap) {
  const Big fee = std::max(Bumped(previous.max_fee_per_gas), Big(market.max_fee_per_gas));
  const Big tip = std::max(Bumped(previous.max_priority_fee_per_gas), Big(market.max_priority_fee_per_gas));
  if (fee > Big(fee_cap) || tip > Big(tip_cap)) return std::nullopt;
  FeeQuote q;
  q.max_fee_per_gas = static_cast<Uint256>(fee);
  q.max_priority_fee_per_gas = static_cast<Uint256>(tip);
  if (q.max_priority_fee_per_gas > q.max_fee_per_gas) return std::nullopt;
  return q;
}

FeeQuote ReplacementFloor(const FeeQuote& previous, const Uint256& fee_cap, const Uint256& tip_cap) {
  if (auto bump = BumpFees(previous, FeeQuote{}, fee_cap, tip_cap)) return *bump;
  FeeQuote q;
  q.max_fee_per_gas = static_cast<Uint256>(std::min(Bumped(previous.max_fee_per_gas), Big(fee_cap)));
  q.max_priority_fee_per_gas =
      static_cast<Uint256>(std::min(Bumped(previous.max_priority_fee_per_gas), Big(tip_cap)));
  q.max_priority_fee_per_gas = std::min(q.max_priority_fee_per_gas, q.max_fee_per_gas);
  q.capped = true;
  return q;
}

}  // namespace txrelay::rpc
