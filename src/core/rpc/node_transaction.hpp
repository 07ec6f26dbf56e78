// A transaction as a node names it (eth_getTransactionByHash, eth_getTransactionBySenderAndNonce):
// its signed wire bytes rebuilt from the answer's fields, accepted only when they hash to the
// node's own "hash" and their signature recovers the node's "from". txrelay keeps a transaction it
// did not sign itself - or signed and forgot, after a restore to an earlier point (issue 20) - only
// in this form: a node that misstates any field gives bytes that do not hash to what it named.
#pragma once

#include <nlohmann/json.hpp>

#include "core/eth/transaction.hpp"
#include "core/rpc/parsed.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// Types 0 (legacy, EIP-155 or not), 1 and 2. A contract creation (no "to") is refused: txrelay
// never creates contracts, so such a transaction is never one of its payments.
Parsed<eth::SignedTx> ParseNodeTransaction(const nlohmann::json& tx);

}  // namespace txrelay::rpc
