// Sent transactions not in a block (DESIGN §5): once per new block (or per
// txrelay.tracker_check_after_ms on a chain without blocks), the attempts waiting long enough are
// judged from two nonce counts per sender — how far its nonces are mined and how far the node's
// pool holds them without a gap — and a lookup by hash only for those beyond that run: pending,
// stuck (a fee bump), dropped (the same bytes again), or their nonce used (by ours, or not).

#include <algorithm>

#include "bgworker/fee_bump.hpp"
#include "bgworker/tracker.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

std::uint64_t Setting(int value) { return static_cast<std::uint64_t>(value); }

// Attempts sent and not in a block for long enough; ones overdue by time count as waiting at
// least txrelay.tracker_check_after_blocks.
std::vector<store::WaitingAttempt> LoadWaiting(std::int64_t chain, std::uint64_t latest) {
  pg::WorkerTransaction txn;
  store::MarkFirstSeen(chain, latest);
  auto due = store::WaitingAttempts(chain, latest, settings.tracker_check_after_blocks,
                                    settings.tracker_check_after_ms);
  txn.Commit();
  for (auto& a : due) {
    if (a.overdue_by_time)
      a.pending_blocks = std::max(a.pending_blocks, Setting(settings.tracker_check_after_blocks));
  }
  return due;
}

}  // namespace

void Tracker::CheckPending(ChainState& c, const Heads& heads, const rpc::BlockHeader& latest) {
  const std::int64_t now = pg::worker::NowMs();
  if (latest.number == c.pending_checked_block &&
      now - c.pending_checked_ms < settings.tracker_check_after_ms)
    return;
  const std::vector<store::WaitingAttempt> due = LoadWaiting(c.config.chain_id, heads.latest);
  c.pending_checked_block = latest.number;
  c.pending_checked_ms = now;
  SenderNonces nonces;
  if (due.empty() || !ReadSenderNonces(c, due, latest, nonces)) return;
  const PendingVerdicts verdicts = Judge(c, due, nonces, latest);
  // A used nonce, or a transaction mined in a block not read yet: the receipts of all our attempts
  // at that nonce decide whether it was ours.
  std::set<NonceKey> used_keys;
  for (const auto& [p, v] : verdicts) {
    if (v == PendingVerdict::kMined || v == PendingVerdict::kNonceUsed)
      used_keys.insert({p->from_address, p->nonce});
  }
  UsedNonces used;
  if (!used_keys.empty() && !ResolveUsedNonces(c, used_keys, used)) return;
  ApplyPendingVerdicts(c, heads, latest, verdicts, used);
}

// Two calls per sender, whatever the number of its transactions: its nonce count at the block read
// last (not 'latest', which may have moved on to blocks not read yet) and at 'pending'.
bool Tracker::ReadSenderNonces(ChainState& c, const std::vector<store::WaitingAttempt>& due,
                               const rpc::BlockHeader& latest, SenderNonces& nonces) {
  std::vector<std::string> senders;
  for (const auto& p : due) {
    if (senders.empty() || senders.back() != p.from_address) senders.push_back(p.from_address);
  }
  Exchange counts = ReadExchange(c.config.endpoints);
  for (const auto& s : senders) {
    AddCall(counts, "eth_getTransactionCount", {s, rpc::ToHexQuantity(latest.number)},
            ChainIds(c.config.chain_id));
    AddCall(counts, "eth_getTransactionCount", {s, "pending"}, ChainIds(c.config.chain_id));
  }
  gateway_.Run({&counts});
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const rpc::Reply* mined = ReplyAt(counts, 2 * i);
    const rpc::Reply* pooled = ReplyAt(counts, 2 * i + 1);
    if (!mined || mined->is_error || !pooled || pooled->is_error) continue;  // cannot tell now: next time
    const auto m = rpc::HexQuantity(mined->result);
    const auto p = rpc::HexQuantity(pooled->result);
    if (m && p) nonces[senders[i]] = {*m, std::max(*m, *p)};
  }
  const std::string error = counts.last_error;
  audit_.push_back(std::move(counts));
  if (nonces.empty()) Backoff(c, "cannot read the senders' nonces: " + error);
  return !nonces.empty();
}

// Only a transaction beyond the pool's gap-free run is looked up by hash: it is missing (dropped,
// evicted) or queued behind a missing one. Steady state: no lookups at all.
Tracker::PendingVerdicts Tracker::Judge(ChainState& c, const std::vector<store::WaitingAttempt>& due,
                                        const SenderNonces& nonces, const rpc::BlockHeader& latest) {
  std::vector<PendingObservation> seen(due.size());
  std::vector<bool> judged(due.size(), false);
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < due.size(); ++i) {
    const auto n = nonces.find(due[i].from_address);
    if (n == nonces.end()) continue;
    PendingObservation& o = seen[i];
    o.pending_blocks = due[i].pending_blocks;
    o.nonce = due[i].nonce;
    o.sender_mined_nonce = n->second.first;
    o.priced_out = latest.base_fee && ParseAmount(due[i].max_fee_per_gas, "max_fee_per_gas",
                                                  AmountRule::kNonNegative) < *latest.base_fee;
    judged[i] = true;
    if (o.nonce < o.sender_mined_nonce) continue;  // its nonce is used: decided by receipts
    if (o.nonce < n->second.second) {
      o.known_to_node = true;  // the pool holds a transaction at this nonce
    } else {
      missing.push_back(i);
    }
  }
  if (!missing.empty()) LookUpMissing(c, due, missing, seen, judged);
  PendingVerdicts verdicts;
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (!judged[i]) continue;
    verdicts.emplace_back(&due[i], JudgePending(seen[i], Setting(settings.tracker_check_after_blocks),
                                                Setting(settings.stuck_blocks)));
  }
  return verdicts;
}

void Tracker::LookUpMissing(ChainState& c, const std::vector<store::WaitingAttempt>& due,
                            const std::vector<std::size_t>& missing, std::vector<PendingObservation>& seen,
                            std::vector<bool>& judged) {
  Exchange lookups = ReadExchange(c.config.endpoints);
  for (std::size_t i : missing) {
    CallIds ids = ChainIds(c.config.chain_id);
    ids.attempt_id = due[i].attempt_id;
    ids.withdrawal_id = due[i].withdrawal_id;
    ids.tx_hash = due[i].tx_hash;
    AddCall(lookups, "eth_getTransactionByHash", {due[i].tx_hash}, ids);
  }
  gateway_.Run({&lookups});
  for (std::size_t k = 0; k < missing.size(); ++k) {
    const rpc::Reply* r = ReplyAt(lookups, k);
    if (!r || r->is_error) {
      judged[missing[k]] = false;  // cannot tell now
      continue;
    }
    PendingObservation& o = seen[missing[k]];
    o.known_to_node = r->result.is_object();
    o.in_block = o.known_to_node && r->result.contains("blockNumber") && !r->result["blockNumber"].is_null();
  }
  audit_.push_back(std::move(lookups));
}

void Tracker::ApplyPendingVerdicts(ChainState& c, const Heads& heads, const rpc::BlockHeader& latest,
                                   const PendingVerdicts& verdicts, UsedNonces& used) {
  const std::int64_t chain = c.config.chain_id;
  pg::WorkerTransaction txn;
  RecordInclusions(chain, used.found);
  std::set<NonceKey> handled;
  for (const auto& [p, v] : verdicts) {
    const NonceKey key{p->from_address, p->nonce};
    if (p->abandoned && (v == PendingVerdict::kDropped || v == PendingVerdict::kStuck)) {
      // The payment of a cancelling withdrawal: never sent again nor bumped; a drop helps the
      // cancel's gap filler, and the block scan still sees it should it be mined after all.
      if (v == PendingVerdict::kDropped) store::MarkDropped(p->attempt_id);
    } else if (v == PendingVerdict::kDropped) {
      store::AddNote(p->withdrawal_id, "dropped",
                     "unknown to the node and its nonce still free: the same bytes are sent again",
                     nlohmann::json{{"attempt_id", p->attempt_id}, {"tx_hash", p->tx_hash}}.dump());
      store::EnqueueResend(p->attempt_id, "dropped from the node's pool");
      store::SetFirstSeen(p->attempt_id, heads.latest);
    } else if (v == PendingVerdict::kStuck && latest.base_fee) {
      RequestFeeBump(c.config, p->attempt_id, *latest.base_fee, std::nullopt,
                     "not in a block for " + std::to_string(p->pending_blocks) +
                         " blocks (txrelay.stuck_blocks = " + std::to_string(settings.stuck_blocks) + ")");
    } else if (v == PendingVerdict::kNonceUsed && !used.ours_mined.count(key) && handled.insert(key).second) {
      ReplacedExternally(chain, p->from_address, p->nonce,
                         used.culprits.count(key) ? used.culprits[key] : "");
    }
  }
  AdvanceWithdrawals(chain, heads);
  FlushAudit();
  txn.Commit();
}

}  // namespace txrelay::bgworker
