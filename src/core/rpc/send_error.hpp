// The send-error table of DESIGN §6: what an eth_sendRawTransaction error means, matched on the
// message case-insensitively (anvil says "Insufficient funds", geth "insufficient funds") and
// never retried blindly when it is unknown. Facts: reference/ethereum-rpc.md §4.
#pragma once

#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

enum class SendError {
  kKnown,              // already known / already imported: accepted; keep tracking
  kNonceUsed,          // nonce too low: ours mined, or replaced externally: check
  kUnderpriced,        // replacement underpriced: an attempt of ours is pending
  kInsufficientFunds,  // hot wallet empty: back off, critical alert, keep the bytes
  kReprice,            // below base fee / underpriced / pool full: new attempt with new fees
  kFatal,              // the transaction itself is invalid: dead letter, never retry blindly
  kUnknown,            // anything else: status check, then back off; alert after N
};

std::string_view Name(SendError error);

// `code` is the JSON-RPC error code (anvil -32003/-32000/-32602, geth -32000); the message
// decides, since geth uses one code for all of them.
SendError ClassifySendError(long code, std::string_view message);

}  // namespace txrelay::rpc
