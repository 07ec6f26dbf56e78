#include "bgworker/broadcaster.hpp"

#include "bgworker/audit.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/senders.hpp"

namespace txrelay::bgworker {

namespace {

// How long a row that waits for the in-flight window is put back before it is looked at again.
constexpr long kWindowRecheckMs = 200;

}  // namespace

std::string LeaseOwner() { return "broadcaster:" + std::to_string(getpid()); }

std::int64_t Broadcaster::RecoverLeases() {
  pg::WorkerTransaction txn;
  const std::int64_t n = store::ReleaseLeases();
  txn.Commit();
  return n;
}

long Broadcaster::NextDueMs() {
  pg::WorkerTransaction txn;
  const auto due = store::MsUntilNextJob();
  txn.Commit();
  return due ? static_cast<long>(*due) : -1;
}

bool Broadcaster::RunOnce() {
  ReadUnknownNonces();
  std::vector<Job> leased = LeaseRound();
  if (leased.empty()) return false;
  pg::worker::ReportActive("broadcaster: " + std::to_string(leased.size()) + " outbox rows");
  RefreshMinedNonces(leased);
  RunStartupChecks(leased);
  Triage triage = Sort(leased);
  RecordWaits(triage);
  SignAll(triage.to_sign, triage.to_send);
  SendAll(triage.to_send);
  if (!audit_.empty()) {
    pg::WorkerTransaction txn;
    FlushAudit();
    txn.Commit();
  }
  pg::worker::ReportIdle("broadcaster: waiting for work");
  return triage.deferred.size() + triage.held.size() < leased.size();
}

std::vector<Job> Broadcaster::LeaseRound() {
  pg::WorkerTransaction txn;
  std::vector<Job> jobs;
  for (const auto& lease : store::LeaseJobs(settings.batch_size, LeaseOwner(), settings.lease_seconds)) {
    jobs.push_back(JobFromLease(lease));
  }
  LoadChains(jobs);
  txn.Commit();
  return jobs;
}

void Broadcaster::LoadChains(const std::vector<Job>& jobs) {
  std::set<std::int64_t> ids;
  for (const auto& j : jobs) ids.insert(j.chain_id);
  for (std::int64_t id : ids) LoadChainConfig(id, chains_[id]);  // keeps the cached fee quote
}

// Chains this process has not reconciled yet are checked now, before anything is signed or sent
// on them; a check may quarantine a sender, so the jobs' sender status is read again.
void Broadcaster::RunStartupChecks(std::vector<Job>& jobs) {
  bool checked_now = false;
  for (const auto& j : jobs) {
    if (reconciled_chains_.count(j.chain_id) == 0 && ChainReconciledAtStart(j.chain_id)) checked_now = true;
  }
  if (!checked_now) return;
  pg::WorkerTransaction txn;
  for (auto& j : jobs) {
    if (const auto status = store::SenderStatus(j.chain_id, j.from.Checksummed())) j.sender_status = *status;
  }
  txn.Commit();
}

bool Broadcaster::ChainReconciledAtStart(std::int64_t chain_id) {
  if (reconciled_chains_.count(chain_id)) return true;
  const std::int64_t now = pg::worker::NowMs();
  auto& next_try = next_startup_try_ms_[chain_id];
  if (now < next_try) return false;
  if (startup_check_.RunStartupCheck(chain_id)) {
    reconciled_chains_.insert(chain_id);
    return true;
  }
  next_try = now + kHeldRecheckMs;
  return false;
}

// A quarantined sender's key was used outside txrelay: nothing more is signed or sent with it
// until an operator has looked. A chain not yet reconciled since this process started (a new
// primary may lack writes the chain has seen) sends nothing either.
std::optional<std::string> Broadcaster::HoldReason(const Job& j) {
  if (j.sender_status == "quarantined") {
    return std::string("sender quarantined: held until txrelay.set_sender_status(..., 'active', ...)");
  }
  if (!ChainReconciledAtStart(j.chain_id)) {
    return "waiting for the start-up reconciliation of chain " + std::to_string(j.chain_id) +
           " (its node could not be read yet)";
  }
  return std::nullopt;
}

Broadcaster::Triage Broadcaster::Sort(std::vector<Job>& jobs) {
  Triage t;
  for (auto& j : jobs) {
    if (auto why = HoldReason(j)) {
      t.held.emplace_back(std::move(j), std::move(*why));
      continue;
    }
    const bool broadcast = j.kind == "broadcast";
    // Sends of nonces below the chain's count go to the send stage, which looks them up before
    // anything is sent (CheckBeforeResend); new nonces wait for the in-flight window.
    if (!InWindow(j) && !(broadcast && BelowMinedNonce(j))) {
      t.deferred.push_back(std::move(j));
    } else {
      (broadcast ? t.to_send : t.to_sign).push_back(std::move(j));
    }
  }
  return t;
}

void Broadcaster::RecordWaits(const Triage& t) {
  if (t.deferred.empty() && t.held.empty()) return;
  pg::WorkerTransaction txn;
  for (const auto& j : t.deferred) Defer(j, kWindowRecheckMs);
  for (const auto& [j, why] : t.held) Defer(j, kHeldRecheckMs, why);
  FlushAudit();
  txn.Commit();
}

void Broadcaster::FlushAudit() {
  WriteAudit(audit_);
  audit_.clear();
}

}  // namespace txrelay::bgworker
