// txrelay.unknown_transactions (issue 20, decision 79): our senders' transactions the chain holds
// and the database does not know, recorded by reconciliation runs, adopted by the broadcaster for
// the withdrawal whose exact payment each is, or dismissed by an operator. On a 0.1.0 schema (the
// table absent) nothing is recorded and none is open: the runs quarantine, as 0.1.0 did.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pg/postgres.hpp"

namespace txrelay::store {

struct UnknownTransaction {
  std::int64_t chain_id = 0;
  std::string from_address;  // checksummed
  std::int64_t nonce = 0;
  std::string tx_hash;     // 0x-hex
  std::string to_address;  // checksummed
  std::string value;       // decimal wei
  std::vector<std::uint8_t> data, raw_tx;
};

// Whether this schema has the table (false: a 0.1.0 schema).
bool UnknownTransactionsKept();

// Records one found by run `run_id`; one already recorded (open or settled) stays as it is.
void RecordUnknownTransaction(std::int64_t run_id, const UnknownTransaction& tx);

// The open ones of a chain, by sender and nonce, locked until the transaction ends (no dismissal
// settles one while the broadcaster adopts it).
std::vector<UnknownTransaction> LockOpenUnknownTransactions(std::int64_t chain_id);

// Settles an open one (locked by the caller) as the payment of a withdrawal, by the attempt
// recorded from its bytes.
void AdoptUnknownTransaction(const UnknownTransaction& tx, const std::string& withdrawal_id,
                             const std::string& attempt_id, const std::string& adopted_by);

// txrelay.dismiss_unknown_transaction: the settled row. Throws Error 22023 when there is no such
// transaction or it is settled already.
Datum DismissUnknownTransaction(std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                const std::string& reason);

}  // namespace txrelay::store
