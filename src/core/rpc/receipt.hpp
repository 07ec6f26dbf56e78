// Transaction receipts as eth_getTransactionReceipt and eth_getBlockReceipts answer them, read
// strictly: a receipt decides whether a withdrawal was paid, so nothing in it is guessed.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.hpp"
#include "core/rpc/block_header.hpp"
#include "core/rpc/parsed.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

struct Receipt {
  std::string tx_hash;  // lower-case 0x + 64 hex digits
  std::uint64_t block_number = 0;
  std::string block_hash;  // lower-case 0x + 64 hex digits
  int status = 0;          // 1: executed, 0: reverted
  Uint256 gas_used = 0;
  Uint256 effective_gas_price = 0;
  Uint256 rollup_fee = 0;  // an OP-stack rollup's L1 data fee and operator fee (core/rpc/rollup_fee)
};

// Refuses anything but an object (null: no mined transaction by that hash, for the caller to tell
// apart), a missing or malformed transactionHash, blockNumber, blockHash, gasUsed or
// effectiveGasPrice, a missing status (a pre-Byzantium receipt: its outcome cannot be known) and
// a status other than "0x0" and "0x1", and rollup fee fields it cannot read (core/rpc/rollup_fee).
Parsed<Receipt> ParseReceipt(const nlohmann::json& receipt);

// The answer to eth_getTransactionReceipt(tx_hash): also refuses a receipt of another transaction.
Parsed<Receipt> ParseReceiptOf(const nlohmann::json& receipt, std::string_view tx_hash);

// The answer to eth_getBlockReceipts(block.hash): an array whose every receipt parses and names
// `block` (hash and number). Null means the block is gone (refused with its own sentence); a
// receipt of another block means a reorg raced the read.
Parsed<std::vector<Receipt>> ParseBlockReceipts(const nlohmann::json& result, const BlockHeader& block);

// A block's receipts hold everyone's transactions, and only ours decide anything: a receipt of
// someone else that a node writes its own way (an L2's deposit, a field missing) must not stop
// the tracker. So the tracker first takes the transaction hashes (lower case; a receipt whose
// hash cannot be read is left out: it cannot be matched to an attempt), picks ours, and reads
// only those strictly, as above. Both refuse what the two-argument form refuses for the array.
Parsed<std::vector<std::string>> BlockReceiptHashes(const nlohmann::json& result, const BlockHeader& block);
Parsed<std::vector<Receipt>> ParseBlockReceipts(const nlohmann::json& result, const BlockHeader& block,
                                                const std::set<std::string>& ours);

// The answer to eth_getTransactionReceipt(tx_hash) for a transaction that `block` lists (the
// tracker's way on a node without eth_getBlockReceipts): also refuses null and a receipt that
// names another block.
Parsed<Receipt> ParseReceiptInBlock(const nlohmann::json& receipt, std::string_view tx_hash,
                                    const BlockHeader& block);

}  // namespace txrelay::rpc
