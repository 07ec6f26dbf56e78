// The external signer's eth_signTransaction (DESIGN §5): the request for an EIP-1559
// transaction, and its answer - anvil returns the raw transaction as a bare hex string, geth and
// Clef return {"raw": ..., "tx": {...}}; both are accepted.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "core/address.hpp"
#include "core/eth/transaction.hpp"
#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// The params array of eth_signTransaction for `tx` sent from `from`.
nlohmann::json SignTransactionParams(const eth::UnsignedTx& tx, const Address& from);

// The raw signed bytes in a signer's result, or nullopt if it is neither form.
std::optional<Bytes> SignedRawFromResult(const nlohmann::json& result);

}  // namespace txrelay::rpc
