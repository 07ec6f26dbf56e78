#include "bgworker/tracker.hpp"

#include <algorithm>

#include "bgworker/audit.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/rpc/backoff.hpp"
#include "pg/spi.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

// --- scheduling -----------------------------------------------------------------------------------

long Tracker::NextDueMs() const {
  const std::int64_t now = pg::worker::NowMs();
  long due = settings.tracker_poll_ms;
  for (const auto& [id, c] : chains_)
    due = std::min<long>(due, std::max<std::int64_t>(0, c.next_round_ms - now));
  return due;
}

void Tracker::Backoff(ChainState& c, const std::string& why) {
  const std::int64_t delay =
      rpc::FullJitterDelayMs(settings.TrackerBackoff(), c.failures, pg::worker::RandomU64());
  ++c.failures;
  c.next_round_ms = pg::worker::NowMs() + std::max<std::int64_t>(delay, settings.tracker_poll_ms);
  pg::worker::LogWarning("txrelay tracker: chain " + std::to_string(c.config.chain_id) + ": " + why +
                         "; looking again in " + std::to_string(c.next_round_ms - pg::worker::NowMs()) +
                         " ms (nothing is marked failed for it)");
  if (!audit_.empty()) {
    pg::WorkerTransaction txn;
    FlushAudit();
    txn.Commit();
  }
}

void Tracker::FlushAudit() {
  WriteAudit(audit_);
  audit_.clear();
}

bool Tracker::RunOnce() {
  std::vector<std::int64_t> ids;
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kChains("SELECT chain_id FROM txrelay._chains_to_track() AS chain_id", {});
    const auto rows = kChains.Run({});
    for (std::uint64_t i = 0; i < rows.size(); ++i) ids.push_back(rows[i].Int64("chain_id"));
    for (std::int64_t id : ids) LoadChainConfig(id, chains_[id].config);
    txn.Commit();
  }
  bool changed = false;
  const std::int64_t now = pg::worker::NowMs();
  for (std::int64_t id : ids) {
    ChainState& c = chains_[id];
    if (now < c.next_round_ms || pg::worker::StopRequested()) continue;
    pg::worker::ReportActive("tracker: chain " + std::to_string(id));
    changed |= Round(c);
  }
  return changed;
}

// --- one chain ------------------------------------------------------------------------------------

bool Tracker::Round(ChainState& c) {
  ChainView view;
  const auto heads = ReadHeads(c, view.latest);
  if (!heads) return false;
  view.heads = *heads;
  {
    pg::WorkerTransaction txn;
    view.top = store::TopBlock(c.config.chain_id);
    txn.Commit();
  }
  if (!SyncBlocks(c, view) || !ReadReceipts(c, view.blocks, view.ours)) return false;
  // What the tracker has read up to: while it catches up (tracker_max_blocks_per_round), its heads
  // are the last block read, so nothing is judged on blocks it has not seen.
  const bool synced = view.blocks.empty() || view.blocks.back().number == view.latest.number;
  const rpc::BlockHeader& seen_top = synced ? view.latest : view.blocks.back();
  Heads seen = view.heads;
  seen.latest = seen_top.number;
  seen.safe = std::min(seen.safe, seen.latest);
  seen.finalized = std::min(seen.finalized, seen.latest);
  const bool changed = Record(c, view, seen, seen_top);
  // Sent transactions are judged once every block is read: one mined in an unread block is found
  // by its receipt there, not by a lookup of its own.
  if (synced) CheckPending(c, seen, view.latest);
  c.failures = 0;
  c.next_round_ms =
      pg::worker::NowMs() + (synced ? settings.tracker_poll_ms : 0);  // else more blocks are waiting
  return changed;
}

namespace {

// An open inclusion moves along when the chain moves (its heads, or an inclusion or reorg this
// round); what else could move one is rare and by hand (a status edited, a tier's completion
// changed), and is looked at this often even on a chain whose heads stand still.
constexpr std::int64_t kAdvanceAtLeastEveryMs = 1000;

bool SameHeads(const std::optional<Heads>& a, const Heads& b) {
  return a && a->latest == b.latest && a->safe == b.safe && a->finalized == b.finalized;
}

}  // namespace

// Records what the round read, in one transaction: a reorg undone, the new blocks and heads,
// our inclusions, and every withdrawal moved along (not re-read while nothing could move it: in
// a burst the tracker polls many times per block, and each reading of every open inclusion cost
// as much as the round's own work).
bool Tracker::Record(ChainState& c, const ChainView& view, const Heads& seen,
                     const rpc::BlockHeader& seen_top) {
  const std::int64_t chain = c.config.chain_id;
  bool changed = !view.blocks.empty() || !view.ours.empty();
  pg::WorkerTransaction txn;
  if (view.fork && view.top && view.top->number > *view.fork) {
    UndoReorged(chain, *view.fork, view.latest.number);
    changed = true;
  }
  for (const auto& b : view.blocks) store::SaveBlock(chain, b.number, b.hash, b.parent_hash);
  RecordInclusions(chain, view.ours);
  const store::SeenHeads saved{seen.latest, seen.safe, seen.finalized, seen_top.hash};
  store::SaveHeads(chain, saved);
  store::PruneBlocks(chain, saved, settings.tracker_reorg_window);
  const std::int64_t now = pg::worker::NowMs();
  const bool advance =
      changed || !SameHeads(c.advanced_at, seen) || now - c.advanced_ms >= kAdvanceAtLeastEveryMs;
  if (advance) changed |= AdvanceWithdrawals(chain, seen);
  FlushAudit();
  txn.Commit();
  if (advance) {
    c.advanced_at = seen;
    c.advanced_ms = now;
  }
  return changed;
}

}  // namespace txrelay::bgworker
