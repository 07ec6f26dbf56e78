// Before anything is signed: each sign job against the open unknown transactions of its chain
// (issue 20, decision 79; core/sign_screen). The chain's transaction at the job's own nonce that
// is exactly its payment is adopted - its bytes recorded through submit_signed as if our signer
// had just returned them, so the send stage finds it on chain by hash and sends nothing; another
// call at that nonce quarantines the sender; a payment the chain made elsewhere, or any sender
// with open unknown transactions, waits.

#include "bgworker/broadcaster.hpp"
#include "bgworker/reconciler_unknown.hpp"
#include "core/sign_screen.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/senders.hpp"
#include "store/unknown_transactions.hpp"

namespace txrelay::bgworker {

namespace {

std::vector<ChainUnknownTx> ScreenFacts(const std::vector<store::UnknownTransaction>& rows) {
  std::vector<ChainUnknownTx> out;
  for (const auto& r : rows) {
    out.push_back({r.from_address, static_cast<std::uint64_t>(r.nonce), r.tx_hash,
                   CallShape{r.to_address, WeiAmount(r.value), ToHex(r.data)}});
  }
  return out;
}

SignJobFacts FactsOf(const Job& j) {
  return {j.from.Checksummed(), j.nonce, j.request_kind == "withdrawal",
          CallShape{j.to.Checksummed(), j.value, ToHex(j.data)}};
}

}  // namespace

std::vector<Job> Broadcaster::ScreenUnknown(std::vector<Job>& jobs, std::vector<Job>& to_broadcast) {
  pg::WorkerTransaction txn;
  std::map<std::int64_t, std::vector<store::UnknownTransaction>> rows;
  for (const Job& j : jobs) {
    if (!rows.count(j.chain_id)) rows[j.chain_id] = store::LockOpenUnknownTransactions(j.chain_id);
  }
  std::map<std::int64_t, std::vector<ChainUnknownTx>> open;
  for (const auto& [chain, list] : rows) open[chain] = ScreenFacts(list);
  std::vector<Job> to_sign;
  std::set<std::string> stopped;  // senders quarantined by this screen: their later jobs wait
  for (Job& j : jobs) {
    const std::vector<ChainUnknownTx>& chain_open = open[j.chain_id];
    const ScreenVerdict v = ScreenBeforeSigning(FactsOf(j), chain_open);
    const std::string sender = std::to_string(j.chain_id) + ":" + j.from.Checksummed();
    if (stopped.count(sender)) {
      Defer(j, kHeldRecheckMs,
            "sender quarantined: held until txrelay.set_sender_status(..., 'active', ...)");
    } else if (v.action == ScreenAction::kSign) {
      to_sign.push_back(std::move(j));
    } else if (v.action == ScreenAction::kHold) {
      Defer(j, kHeldRecheckMs, v.why);
    } else {
      const auto& row = rows[j.chain_id][static_cast<std::size_t>(v.tx - chain_open.data())];
      const std::optional<std::string> refused =
          v.action == ScreenAction::kAdopt ? Adopt(j, row, v.why, to_broadcast) : v.why;
      if (refused) {
        QuarantineForUnknown(j, *refused);
        stopped.insert(sender);
      }
    }
  }
  FlushAudit();
  txn.Commit();
  return to_sign;
}

// The chain's bytes recorded as the payment's attempt, and the unknown transaction settled by it;
// or why not, in submit_signed's words.
std::optional<std::string> Broadcaster::Adopt(Job& j, const store::UnknownTransaction& row,
                                              const std::string& why, std::vector<Job>& to_broadcast) {
  std::optional<Job> broadcast;
  // (the row is locked since it was read: no dismissal settles it meanwhile)
  const auto error = pg::RunInSubTransaction([&] {
    broadcast = StoreAttempt(j, row.raw_tx);
    store::AdoptUnknownTransaction(row, *j.withdrawal_id, broadcast->attempt_id, LeaseOwner());
  });
  if (error)
    return "the chain's transaction " + row.tx_hash + " at its nonce was not adopted: " + error->message;
  pg::worker::LogInfo("txrelay broadcaster: " + why + " " + j.Describe());
  broadcast->adopted = true;
  if (broadcast->outbox_id != 0) to_broadcast.push_back(std::move(*broadcast));
  return std::nullopt;
}

void Broadcaster::QuarantineForUnknown(const Job& j, const std::string& why) {
  const std::string reason = "before signing: " + why;
  if (store::Quarantine(j.chain_id, j.from.Checksummed(), reason)) {
    pg::worker::LogWarning("txrelay broadcaster: CRITICAL: " + reason + "; sender " + j.from.Checksummed() +
                           " quarantined " + j.Describe());
  }
  Defer(j, kHeldRecheckMs, "sender quarantined: " + reason);
}

}  // namespace txrelay::bgworker
