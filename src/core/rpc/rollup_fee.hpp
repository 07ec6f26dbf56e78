// What an OP-stack rollup charges on top of gas used x effective gas price, from the receipt:
// the L1 data fee (`l1Fee`, since Bedrock) and the operator fee (since Isthmus). The COMMIT of a
// withdrawal must equal what the wallet paid (issue 19), and on these chains that is the sum.
//
// Read from the OP Stack specification and op-geth's receipt fields (docs/nodes.md):
//   operator fee, Isthmus: gasUsed * operatorFeeScalar / 1e6 + operatorFeeConstant (integer)
//   operator fee, Jovian:  gasUsed * operatorFeeScalar * 100 + operatorFeeConstant
// A Jovian receipt is told by its daFootprintGasScalar field (nil before Jovian in op-geth).
// On any other chain none of these fields is present and the fee is 0.
#pragma once

#include <nlohmann/json.hpp>

#include "core/amount.hpp"
#include "core/rpc/parsed.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// Refuses a field that is present but not a quantity, and operatorFeeScalar without
// operatorFeeConstant or the reverse (the fee cannot be known).
Parsed<Uint256> RollupFee(const nlohmann::json& receipt, const Uint256& gas_used, std::string_view what);

}  // namespace txrelay::rpc
