// The tracker (DESIGN §4, §5): per chain it follows latest, safe and finalized; reads every new
// block's receipts once (eth_getBlockReceipts by block hash, batched), so its RPC cost grows with
// blocks, not with pending transactions; keeps a window of canonical block hashes to see reorgs;
// records inclusions; moves withdrawals along included -> safe -> finalized, to reorged and back;
// completes them at their risk tier's level and settles the ledger (COMMIT amount + fee, or
// RELEASE on failure); and judges sent transactions that are not in a block: dropped ones are
// resent (same bytes), stuck ones get a fee bump, a nonce used by someone else ends the withdrawal
// as replaced_externally with its sender quarantined. It never fails anything because a node is
// unreachable: it backs off (slow, with jitter) and looks again.
//
// One round of one chain, by stage and file:
//   tracker.cpp            the round: read, record, judge; scheduling and backoff
//   tracker_blocks.cpp     heads and the canonical blocks since the last round; the fork of a reorg
//   tracker_receipts.cpp   receipts of the new blocks, and of our attempts at a used nonce
//   tracker_pending.cpp    sent transactions not in a block: pending, stuck, dropped, nonce used
//   tracker_settlement.cpp inclusions, reorgs, completion and the ledger, replaced_externally
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bgworker/chain_config.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/rpc_gateway.hpp"
#include "core/rpc/block_header.hpp"
#include "core/rpc/receipt.hpp"
#include "core/tracking.hpp"
#include "store/attempts.hpp"
#include "store/chain_blocks.hpp"

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
    // The node answered that it has no eth_getBlockReceipts: receipts are read per transaction
    // (eth_getBlockByHash, then eth_getTransactionReceipt of ours).
    bool receipts_by_transaction = false;
    // A parent link broken at the same height round after round is the node's, not a race.
    std::uint64_t broken_link_at = 0;
    int broken_link_rounds = 0;
    // The heads at which, and when, the open inclusions were last moved along (Record).
    std::optional<Heads> advanced_at;
    std::int64_t advanced_ms = 0;
  };
  // What one round read of a chain: the heads, the new canonical blocks in order, the highest
  // stored block still canonical, and our receipts in the new blocks.
  struct ChainView {
    rpc::BlockHeader latest;
    Heads heads;
    std::vector<rpc::BlockHeader> blocks;
    std::optional<std::uint64_t> fork;
    std::optional<store::StoredBlock> top;  // the highest stored block before this round
    std::vector<rpc::Receipt> ours;
  };
  using NonceKey = std::pair<std::string, std::uint64_t>;  // (sender, nonce)
  // What the receipts of our attempts at used nonces said.
  struct UsedNonces {
    std::vector<rpc::Receipt> found;           // our receipts there
    std::set<NonceKey> ours_mined;             // nonces one of our attempts took
    std::map<NonceKey, std::string> culprits;  // the outside transaction's hash, where the node names it
  };

  // tracker.cpp
  bool Round(ChainState& chain);
  bool Record(ChainState& chain, const ChainView& view, const Heads& seen, const rpc::BlockHeader& seen_top);
  void Backoff(ChainState& chain, const std::string& why);
  void FlushAudit();

  // tracker_blocks.cpp
  std::optional<Heads> ReadHeads(ChainState& chain, rpc::BlockHeader& latest);
  // Reads blocks after the stored window, finds the fork point of a reorg; fills view.blocks (the
  // new canonical blocks, in order) and view.fork (the highest stored block still canonical).
  bool SyncBlocks(ChainState& chain, ChainView& view);
  bool FetchHeaders(ChainState& chain, std::uint64_t lo, std::uint64_t hi,
                    std::map<std::uint64_t, rpc::BlockHeader>& out);
  bool FindFork(ChainState& chain, std::uint64_t probe, std::map<std::uint64_t, rpc::BlockHeader>& canonical,
                std::optional<std::uint64_t>& fork);
  void BrokenLink(ChainState& chain, std::uint64_t n, const std::string& parent_hash,
                  const std::string& expected);
  bool LinkNewBlocks(ChainState& chain, std::uint64_t from, std::uint64_t to,
                     const std::optional<std::string>& parent,
                     std::map<std::uint64_t, rpc::BlockHeader>& canonical,
                     std::vector<rpc::BlockHeader>& blocks);

  // tracker_receipts.cpp
  bool ReadReceiptsOneByOne(ChainState& chain, const std::vector<rpc::BlockHeader>& blocks,
                            std::vector<rpc::Receipt>& ours);
  std::string ReadListedReceipts(std::int64_t chain, const std::vector<Target>& endpoints,
                                 const std::vector<rpc::BlockHeader>& blocks,
                                 const std::vector<std::pair<std::size_t, std::string>>& listed,
                                 std::vector<rpc::Receipt>& ours);
  bool ReadReceipts(ChainState& chain, const std::vector<rpc::BlockHeader>& blocks,
                    std::vector<rpc::Receipt>& ours);
  static std::string ReceiptHashes(const Exchange& ex, const std::vector<rpc::BlockHeader>& blocks,
                                   std::vector<std::string>& hashes);
  // For nonces used on chain: our receipts there, or the outside transaction's hash.
  bool ResolveUsedNonces(ChainState& chain, const std::set<NonceKey>& used, UsedNonces& out);
  void NameCulprits(ChainState& chain, const std::set<NonceKey>& used, UsedNonces& out);

  // tracker_pending.cpp: judges sent transactions not seen in a block, with RPC calls per
  // sender, not per transaction.
  using SenderNonces =
      std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>;  // sender -> (mined, pooled)
  using PendingVerdicts = std::vector<std::pair<const store::WaitingAttempt*, PendingVerdict>>;
  void CheckPending(ChainState& chain, const Heads& heads, const rpc::BlockHeader& latest);
  bool ReadSenderNonces(ChainState& chain, const std::vector<store::WaitingAttempt>& due,
                        const rpc::BlockHeader& latest, SenderNonces& nonces);
  PendingVerdicts Judge(ChainState& chain, const std::vector<store::WaitingAttempt>& due,
                        const SenderNonces& nonces, const rpc::BlockHeader& latest);
  void LookUpMissing(ChainState& chain, const std::vector<store::WaitingAttempt>& due,
                     const std::vector<std::size_t>& missing, std::vector<PendingObservation>& seen,
                     std::vector<bool>& judged);
  void ApplyPendingVerdicts(ChainState& chain, const Heads& heads, const rpc::BlockHeader& latest,
                            const PendingVerdicts& verdicts, UsedNonces& used);

  // tracker_inclusions.cpp: a round's receipts of ours recorded, inside the caller's transaction
  void RecordInclusions(std::int64_t chain_id, const std::vector<rpc::Receipt>& receipts);
  // The moves of a round's paid inclusions, written one statement per move.
  struct InclusionMoves {
    std::vector<std::string> found, found_reasons;        // signed -> broadcasted (sent, unrecorded)
    std::vector<std::string> included, included_reasons;  // broadcasted -> included
    std::vector<std::string> again, again_reasons;        // reorged -> included
  };
  void DecideInclusion(std::int64_t chain_id, const store::IncludedAttempt& a, const rpc::Receipt& r,
                       InclusionMoves& moves);

  // tracker_settlement.cpp: the database side, inside the caller's transaction
  void UndoReorged(std::int64_t chain_id, std::uint64_t fork, std::uint64_t latest);
  bool AdvanceWithdrawals(std::int64_t chain_id, const Heads& heads);
  // A round's moves and completions of paid inclusions, written one statement per table.
  struct Settlements {
    std::vector<std::string> to_safe, to_safe_reasons;
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> to_final;  // by from
    std::vector<std::string> completed, notes, details;
    std::vector<Uint256> fees;
  };
  bool AdvanceReverted(const store::OpenInclusion& w, const Heads& heads);
  void PlanAdvance(const store::OpenInclusion& w, const Heads& heads, Settlements& s);
  bool ApplySettlements(const Settlements& s);
  void ReplacedExternally(std::int64_t chain_id, const std::string& from, std::uint64_t nonce,
                          const std::string& replacing_tx);

  // tracker_cancel_race.cpp: a cancel after approval is decided by the chain (decision 66)
  void GapFillerIncluded(const store::IncludedAttempt& a, const std::string& where);
  void CancelLost(const store::IncludedAttempt& a, const std::string& where);
  void PaidAfterRelease(std::int64_t chain_id, const store::IncludedAttempt& a, const rpc::Receipt& r,
                        const std::string& where);
  bool SettleCancelRaces(std::int64_t chain_id, const Heads& heads);

  RpcGateway& gateway_;
  std::map<std::int64_t, ChainState> chains_;
  std::vector<Exchange> audit_;
};

}  // namespace txrelay::bgworker
