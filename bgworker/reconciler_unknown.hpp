// A reconciliation run's look at the transactions of our senders that the chain holds and the
// database does not know (issue 20, decision 79): read where the node can name them, each rebuilt
// and checked (core/rpc/node_transaction), recorded in txrelay.unknown_transactions for the
// broadcaster to adopt, and listed in the run's report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bgworker/chain_config.hpp"
#include "bgworker/rpc_gateway.hpp"
#include "core/amount.hpp"
#include "core/reconciliation.hpp"
#include "core/rpc/jsonrpc.hpp"

namespace txrelay::bgworker {

// A decimal wei amount read from the database.
inline Uint256 WeiAmount(const std::string& text) {
  return ParseAmount(text, "amount", AmountRule::kNonNegative);
}

// One hot wallet as a run sees it.
struct Sender {
  std::int64_t chain_id = 0;
  std::string address;
  bool has_signer = false;  // txrelay signs for it (else client-signed)
  SenderFacts facts;
  std::int64_t open_withdrawals = 0;
  std::int64_t unpriced = 0;  // open withdrawals without a signed attempt yet: their gas is not counted
};

// The chain's answer for one nonce a sender's database never signed.
struct Unknown {
  const Sender* sender = nullptr;
  std::uint64_t nonce = 0;
  std::optional<rpc::Reply> reply;  // none: the node did not answer
};

// Asks, in one batch per chain, for the transaction at each such nonce, where the chain's endpoints
// have eth_getTransactionBySenderAndNonce.
std::vector<Unknown> ReadUnknownTransactions(RpcGateway& gateway,
                                             const std::map<std::int64_t, ChainConfig>& chains,
                                             const std::vector<Sender>& senders,
                                             std::vector<Exchange>& audit);

// Records each named transaction that rebuilds and checks out. Returns the senders txrelay signs
// for whose every such nonce is recorded: they are held for adoption instead of quarantined.
std::set<const Sender*> RecordUnknownTransactions(std::int64_t run_id, const std::vector<Sender>& senders,
                                                  const std::vector<Unknown>& unknown);

// The report's list for one sender: the unknown transactions, or why the node cannot name them.
nlohmann::json UnknownReport(const Sender& s, const ChainConfig& chain, const std::vector<Unknown>& unknown);

}  // namespace txrelay::bgworker
