#include "core/eth/signed_tx_check.hpp"

#include <string>

#include "core/error.hpp"

namespace txrelay::eth {

namespace {

Error Mismatch(const char* field, const std::string& got, const std::string& expected) {
  return Error(sqlstate::kSignedTxMismatch,
               std::string("signed transaction does not match its request: ") + field,
               std::string("Field ") + field + ": the transaction has " + got + ", the request requires " +
                   expected + ".",
               "Sign exactly the call of the signature request (txrelay.pending_signature_requests()).");
}

std::string Dec(const Uint256& v) { return ToDecimal(v); }

// A gas limit no node would run (below the intrinsic gas) or above the chain's cap; a fee cap of
// zero, which no block with a base fee includes.
void CheckGasAndFees(const UnsignedTx& tx, const ExpectedTx& e) {
  const std::uint64_t intrinsic = IntrinsicGas(tx);
  if (tx.gas_limit < intrinsic) {
    throw Mismatch("gas_limit", std::to_string(tx.gas_limit),
                   "at least " + std::to_string(intrinsic) + " (the intrinsic gas of this call)");
  }
  if (tx.gas_limit > e.max_gas_limit) {
    throw Mismatch("gas_limit", std::to_string(tx.gas_limit), "at most " + std::to_string(e.max_gas_limit));
  }
  if (tx.FeeCap() == 0)
    throw Mismatch("max_fee_per_gas", "0", "more than 0 (no block includes a free transaction)");
}

}  // namespace

void CheckSignedTx(const SignedTx& signed_tx, const ExpectedTx& e) {
  CheckReplayProtected(signed_tx);
  const UnsignedTx& tx = signed_tx.tx;
  if (*tx.chain_id != e.chain_id) {
    throw Mismatch("chain_id", std::to_string(*tx.chain_id), std::to_string(e.chain_id));
  }
  if (tx.nonce != e.nonce) throw Mismatch("nonce", std::to_string(tx.nonce), std::to_string(e.nonce));
  if (signed_tx.sender != e.from) {
    throw Mismatch("sender", signed_tx.sender.Checksummed() + " (recovered from the signature)",
                   e.from.Checksummed());
  }
  if (!tx.to || *tx.to != e.to) {
    throw Mismatch("to", tx.to ? tx.to->Checksummed() : "none (contract creation)", e.to.Checksummed());
  }
  if (tx.value != e.value) throw Mismatch("value", Dec(tx.value), Dec(e.value));
  if (tx.data != e.data) throw Mismatch("data", ToHex(tx.data), ToHex(e.data));
  CheckGasAndFees(tx, e);
  if (tx.FeeCap() > e.max_fee_per_gas_cap) {
    throw Mismatch("max_fee_per_gas", Dec(tx.FeeCap()),
                   "at most " + Dec(e.max_fee_per_gas_cap) + " (the chain's cap)");
  }
  if (tx.TipCap() > e.max_priority_fee_cap && tx.type == TxType::kDynamicFee) {
    throw Mismatch("max_priority_fee_per_gas", Dec(tx.TipCap()),
                   "at most " + Dec(e.max_priority_fee_cap) + " (the chain's cap)");
  }
  if (tx.FeeCap() < e.min_max_fee_per_gas) {
    throw Mismatch(
        "max_fee_per_gas", Dec(tx.FeeCap()),
        "at least " + Dec(e.min_max_fee_per_gas) + " (a replacement: the replaced attempt's + 10 % + 1 wei)");
  }
  if (tx.TipCap() < e.min_max_priority_fee_per_gas) {
    throw Mismatch("max_priority_fee_per_gas", Dec(tx.TipCap()),
                   "at least " + Dec(e.min_max_priority_fee_per_gas) +
                       " (a replacement: the replaced attempt's + 10 % + 1 wei)");
  }
}

}  // namespace txrelay::eth
