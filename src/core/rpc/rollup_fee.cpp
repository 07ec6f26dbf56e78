#include "core/rpc/rollup_fee.hpp"

#include <optional>

#include "core/rpc/fields.hpp"

namespace txrelay::rpc {

namespace {

// An optional quantity: nullopt when absent (or null), a refusal when present and malformed.
Parsed<std::optional<Uint256>> OptionalQuantity(const nlohmann::json& receipt, std::string_view field,
                                                std::string_view what) {
  const auto it = receipt.find(std::string(field));
  if (it == receipt.end() || it->is_null()) return std::optional<Uint256>();
  auto value = ReadQuantity256(receipt, field, what);
  if (!value.ok()) return Refusal{value.error};
  return std::optional<Uint256>(*value.value);
}

}  // namespace

Parsed<Uint256> RollupFee(const nlohmann::json& receipt, const Uint256& gas_used, std::string_view what) {
  auto l1_fee = OptionalQuantity(receipt, "l1Fee", what);
  if (!l1_fee.ok()) return Refusal{l1_fee.error};
  auto scalar = OptionalQuantity(receipt, "operatorFeeScalar", what);
  if (!scalar.ok()) return Refusal{scalar.error};
  auto constant = OptionalQuantity(receipt, "operatorFeeConstant", what);
  if (!constant.ok()) return Refusal{constant.error};
  if (scalar.value->has_value() != constant.value->has_value()) {
    return Refusal{
        std::string(what) +
        " has only one of operatorFeeScalar and operatorFeeConstant: the operator fee cannot be known"};
  }
  Uint256 fee = l1_fee.value->value_or(0);
  if (scalar.value->has_value()) {
    const bool jovian =
        receipt.contains("daFootprintGasScalar") && !receipt["daFootprintGasScalar"].is_null();
    const Uint256 s = **scalar.value;
    fee += (jovian ? gas_used * s * 100 : gas_used * s / 1000000) + **constant.value;
  }
  return fee;
}

}  // namespace txrelay::rpc
