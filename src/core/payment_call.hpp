// Which signed transactions pay: a gap filler (and a fee bump of one, which copies its call) is a
// zero-value transfer from the sender to itself with no data; every other call txrelay signs
// moves the withdrawal's amount to its recipient (native value or an ERC-20 transfer). One rule
// for the tracker (C++) and the SQL views (txrelay._pays, a C function calling this one).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

// `to` and `from` as stored (EIP-55), `value` in decimal wei, `data_length` in bytes.
bool PaysRecipient(std::string_view to, std::string_view from, std::string_view value,
                   std::size_t data_length);

}  // namespace txrelay
