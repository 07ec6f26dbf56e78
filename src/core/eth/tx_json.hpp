// A decoded transaction as JSON, for txrelay.decode_raw_tx() and logs. 256-bit quantities are
// decimal strings (JSON numbers lose precision past 2^53 in most clients); counters that fit
// 64 bits (type, chain_id, nonce, gas) are numbers.
#pragma once

#include <string>

#include "core/eth/transaction.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

std::string TxToJson(const SignedTx& tx);

}  // namespace txrelay::eth
