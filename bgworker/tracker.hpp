// The tracker (DESIGN §4, §5): per chain it follows latest, safe and finalized; reads every new
// block's receipts once (eth_getBlockReceipts by block hash, batched), so its RPC cost grows with
// blocks, not with pending transactions; keeps a window of canonical block hashes to see reorgs;
// records inclusions; moves withdrawals along included -> safe -> finalized, to reorged and back;
// completes them at their risk tier's level and settles the ledger (COMMIT amount + fee, or
// RELEASE on failure); and judges sent transactions that are not in a block: dropped ones are
// resent (same bytes), stuck ones get a fee bump, a nonce used by someone else ends the withdrawal
// as replaced_externally with its sender quarantined. It never fails anything because a node is
// unreachable: it backs off (slow, with jitter) and looks again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bgworker/chain_config.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/rpc_gateway.hpp"
#include "core/tracking.hpp"

namespace txrelay::bgworker {

class Tracker {
 public:
  explicit Tracker(RpcGateway& gateway) : gateway_(gateway) {}

  // One round over every chain with work; true if anything changed.
  bool RunOnce();
  // When to look again: the poll interval, or a chain's backoff.
  long NextDueMs() const;

 private:
  struct ChainState {
    ChainConfig config;
    int failures = 0;
    std::int64_t next_round_ms = 0;
    std::uint64_t pending_checked_block = 0;  // when sent transactions were last judged
    std::int64_t pending_checked_ms = 0;
  };
  struct Receipt {
    std::string tx_hash;
    std::uint64_t block_number = 0;
    std::string block_hash;
    int status = 1;
    Uint256 gas_used = 0;
    Uint256 effective_gas_price = 0;
  };

  bool Round(ChainState& chain);
  void Backoff(ChainState& chain, const std::string& why);
  std::optional<Heads> ReadHeads(ChainState& chain, BlockHeader& latest);
  // Reads blocks after the stored window, finds the fork point of a reorg; fills `blocks` (the
  // new canonical blocks, in order) and `fork` (the highest stored block still canonical).
  bool SyncBlocks(ChainState& chain, const BlockHeader& latest, std::vector<BlockHeader>& blocks,
                  std::optional<std::uint64_t>& fork);
  bool ReadReceipts(ChainState& chain, const std::vector<BlockHeader>& blocks, std::vector<Receipt>& ours);
  // Judges sent transactions not seen in a block: RPC calls per sender, not per transaction.
  void CheckPending(ChainState& chain, const Heads& heads, const BlockHeader& latest);
  // For nonces used on chain: our receipts there (ours_mined) or the outside transaction's hash.
  bool ResolveUsedNonces(ChainState& chain, const std::set<std::pair<std::string, std::uint64_t>>& used,
                         std::vector<Receipt>& found,
                         std::set<std::pair<std::string, std::uint64_t>>& ours_mined,
                         std::map<std::pair<std::string, std::uint64_t>, std::string>& culprits);

  // Database side, inside the caller's transaction.
  void UndoReorged(std::int64_t chain_id, std::uint64_t fork, std::uint64_t latest);
  void RecordInclusion(std::int64_t chain_id, const Receipt& receipt);
  bool AdvanceWithdrawals(std::int64_t chain_id, const Heads& heads);
  void RequestResend(const std::string& attempt_id, const std::string& why);
  void ReplacedExternally(std::int64_t chain_id, const std::string& from, std::uint64_t nonce,
                          const std::string& replacing_tx);
  void Notify(const std::string& event, const std::string& withdrawal_id);

  RpcGateway& gateway_;
  std::map<std::int64_t, ChainState> chains_;
  std::vector<Exchange> audit_;
};

}  // namespace txrelay::bgworker
