// The senders' nonces as the chain sees them: a sender added without a first nonce gets it read
// from the chain, and the in-flight window (txrelay.max_in_flight_per_sender) is judged on the
// count of mined nonces, cached per round and read only when a job would fall outside it.

#include <algorithm>

#include "bgworker/audit.hpp"
#include "bgworker/broadcaster.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/rpc/backoff.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/parsed.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/senders.hpp"

namespace txrelay::bgworker {

void Broadcaster::ReadUnknownNonces() {
  std::vector<store::SenderRef> unknown;
  {
    pg::WorkerTransaction txn;
    unknown = store::SendersWithUnknownNonce();
    const std::int64_t now = pg::worker::NowMs();
    unknown.erase(std::remove_if(unknown.begin(), unknown.end(),
                                 [&](const store::SenderRef& u) {
                                   const auto it = nonce_read_retry_.find({u.chain_id, u.address});
                                   return it != nonce_read_retry_.end() && now < it->second.next_ms;
                                 }),
                  unknown.end());
    for (const auto& u : unknown) LoadChainConfig(u.chain_id, chains_[u.chain_id]);
    txn.Commit();
  }
  if (unknown.empty()) return;
  Batch<std::int64_t> counts;
  for (std::size_t i = 0; i < unknown.size(); ++i) {
    const auto& u = unknown[i];
    counts.Add(
        u.chain_id, [&] { return ReadExchange(chains_[u.chain_id].endpoints); }, i, "eth_getTransactionCount",
        {u.address, "latest"}, ChainIds(u.chain_id));
  }
  if (!counts.Run(gateway_)) return;
  pg::WorkerTransaction txn;
  counts.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    const auto& u = unknown[i];
    std::optional<std::uint64_t> count;
    if (r && !r->is_error) count = rpc::HexQuantity(r->result);
    const std::string who = "sender " + u.address + " on chain " + std::to_string(u.chain_id);
    if (!count) {
      NonceReadRetry& retry = nonce_read_retry_[{u.chain_id, u.address}];
      const std::int64_t delay =
          rpc::FullJitterDelayMs(settings.BroadcasterBackoff(), retry.failures++, pg::worker::RandomU64());
      retry.next_ms = pg::worker::NowMs() + std::max<std::int64_t>(delay, 1000);
      pg::worker::LogWarning("txrelay broadcaster: cannot read the nonce of " + who + ": " +
                             (!r            ? ex.last_error
                              : r->is_error ? rpc::DescribeErrorReply("eth_getTransactionCount", *r)
                                            : "not a quantity: " + rpc::DescribeValue(r->result)) +
                             "; asking again in " + std::to_string(retry.next_ms - pg::worker::NowMs()) +
                             " ms");
      return;
    }
    nonce_read_retry_.erase({u.chain_id, u.address});
    store::SetFirstNonce(u.chain_id, u.address, *count);
    pg::worker::LogInfo("txrelay broadcaster: " + who + " starts at nonce " + std::to_string(*count) +
                        " (read from the chain)");
  });
  counts.MoveTo(audit_);
  FlushAudit();
  txn.Commit();
}

// The cached count is a lower bound (it only grows, but for a reorg that the tracker handles):
// the chain is read only for senders a job would find outside the window.
void Broadcaster::RefreshMinedNonces(const std::vector<Job>& jobs) {
  std::vector<std::pair<std::int64_t, std::string>> senders;
  for (const auto& j : jobs) {
    const std::pair<std::int64_t, std::string> key{j.chain_id, j.from.Checksummed()};
    if (!InWindow(j) && std::find(senders.begin(), senders.end(), key) == senders.end())
      senders.push_back(key);
  }
  if (senders.empty()) return;
  Batch<std::int64_t> counts;
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const std::int64_t chain = senders[i].first;  // (a lambda cannot capture a structured binding in C++17)
    counts.Add(
        chain, [&] { return ReadExchange(chains_[chain].endpoints); }, i, "eth_getTransactionCount",
        {senders[i].second, "latest"}, ChainIds(chain));
  }
  counts.Run(gateway_);
  counts.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange&) {
    if (!r || r->is_error) return;
    if (const auto n = rpc::HexQuantity(r->result)) mined_nonce_[senders[i]] = *n;
  });
  counts.MoveTo(audit_);
}

bool Broadcaster::InWindow(const Job& job) const {
  const auto it = mined_nonce_.find({job.chain_id, job.from.Checksummed()});
  if (it == mined_nonce_.end()) return false;  // unknown: wait rather than flood
  return job.nonce < it->second + static_cast<std::uint64_t>(settings.max_in_flight_per_sender);
}

bool Broadcaster::BelowMinedNonce(const Job& job) const {
  const auto it = mined_nonce_.find({job.chain_id, job.from.Checksummed()});
  return it != mined_nonce_.end() && job.nonce < it->second;
}

}  // namespace txrelay::bgworker
