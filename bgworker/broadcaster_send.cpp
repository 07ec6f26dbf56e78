// The send stage: the synchronous-standby gate (DESIGN §8), a lookup before any send that may
// repeat one the node had, eth_sendRawTransaction in one batch per chain, the status check that must come
// before anything else after an answer that settles nothing (DESIGN §1.1), a resend of the same bytes when
// the node does not know them, and each verdict (core/rpc/send_verdict) recorded.

#include "bgworker/broadcaster.hpp"
#include "bgworker/durability_gate.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/fee_bump.hpp"
#include "core/rpc/send_error.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/attempts.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

constexpr long kStandbyRecheckMs = 500;  // after txrelay.standby_wait_ms without a synchronous standby

using rpc::SendVerdict;

}  // namespace

void Broadcaster::SendAll(std::vector<Job>& jobs) {
  if (jobs.empty() || !SendsAllowed(jobs)) return;
  // kResend until judged otherwise: to be sent. A false return: stopping; the leases are
  // recovered at the next start.
  std::vector<rpc::SendJudgement> verdicts(jobs.size(), rpc::SendJudgement{SendVerdict::kResend, "", false});
  if (!CheckBeforeResend(jobs, verdicts) || !Send(jobs, verdicts) || !CheckStatuses(jobs, verdicts) ||
      !CheckUnderpricedHolders(jobs, verdicts))
    return;
  // Refused as underpriced: these bytes will not do at today's fees; a new attempt at the same
  // nonce will (DESIGN §6: re-price). Fresh fees first.
  std::set<std::int64_t> reprice_chains;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (verdicts[i].verdict == SendVerdict::kReprice) reprice_chains.insert(jobs[i].chain_id);
  }
  for (std::int64_t chain : reprice_chains) RefreshFees(chains_[chain], true);

  pg::WorkerTransaction txn;
  FlushAudit();
  bool tracker_has_work = false;
  std::vector<const Job*> sent;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (verdicts[i].verdict == SendVerdict::kSent) {
      sent.push_back(&jobs[i]);
    } else {
      RecordVerdict(jobs[i], verdicts[i]);
    }
    tracker_has_work |=
        verdicts[i].verdict == SendVerdict::kSent || verdicts[i].verdict == SendVerdict::kNonceUsed;
  }
  RecordSent(sent);
  if (tracker_has_work) pg::WakeAtCommit(pg::WorkerKind::kTracker);
  txn.Commit();
}

// The round's sends the node accepted, as RecordVerdict records one, but one statement per
// table for all of them (in RecordVerdict's order: attempts, withdrawals, jobs).
void Broadcaster::RecordSent(const std::vector<const Job*>& sent) {
  if (sent.empty()) return;
  std::vector<std::string> attempts, withdrawals, reasons;
  std::vector<std::int64_t> outbox_ids;
  for (const Job* j : sent) {
    attempts.push_back(j->attempt_id);
    if (j->withdrawal_id) {
      withdrawals.push_back(*j->withdrawal_id);
      reasons.push_back("sent: tx " + j->tx_hash);
    }
    outbox_ids.push_back(j->outbox_id);
  }
  store::MarkSentMany(attempts);
  store::MoveStatuses(withdrawals, "signed", "broadcasted", reasons);
  store::MarkDoneMany(outbox_ids);
}

// With txrelay.require_synchronous_standby, nothing leaves until a synchronous standby has the
// attempts; the jobs go back to the queue (no try counted) with the reason, which the
// standby_not_in_sync alert shows.
bool Broadcaster::SendsAllowed(const std::vector<Job>& jobs) {
  std::string not_durable;
  if (AttemptsOnSynchronousStandby(not_durable)) {
    if (sends_held_)
      pg::worker::LogInfo("txrelay broadcaster: a synchronous standby has the records again; sending");
    sends_held_ = false;
    return true;
  }
  pg::WorkerTransaction txn;
  for (const auto& j : jobs) Defer(j, kStandbyRecheckMs, not_durable);
  FlushAudit();
  txn.Commit();
  if (!sends_held_) pg::worker::LogWarning("txrelay broadcaster: CRITICAL: sends held: " + not_durable);
  sends_held_ = true;  // said once per episode; the alert shows it meanwhile
  return false;
}

// A job leased before (a retry, or a lease recovered after a crash) may have reached the node,
// and a nonce below the chain's count has been used: such a send is looked up by hash before
// anything is sent (issue 19: a node may execute a mined transaction sent again).
bool Broadcaster::CheckBeforeResend(const std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts) {
  Batch<std::int64_t> checks;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    if (j.tries <= 1 && !j.adopted && !BelowMinedNonce(j)) continue;
    checks.Add(
        j.chain_id, [&] { return ReadExchange(chains_[j.chain_id].endpoints); }, i,
        "eth_getTransactionByHash", {j.tx_hash}, j.Ids());
  }
  if (checks.empty()) return true;
  if (!checks.Run(gateway_)) return false;
  checks.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    verdicts[i] = rpc::JudgeBeforeResend(r, ex.last_error, BelowMinedNonce(jobs[i]));
  });
  checks.MoveTo(audit_);
  return true;
}

bool Broadcaster::Send(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts) {
  Batch<std::int64_t> sends;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    if (verdicts[i].verdict != SendVerdict::kResend) continue;  // settled by the lookup before
    sends.Add(
        j.chain_id, [&] { return WriteExchange(chains_[j.chain_id].endpoints); }, i, "eth_sendRawTransaction",
        {ToHex(j.raw)}, j.Ids());
  }
  if (sends.empty()) return true;
  if (!sends.Run(gateway_)) return false;
  sends.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    verdicts[i] =
        rpc::JudgeSend(r, ex.outcome, ex.last_error, jobs[i].tx_hash, jobs[i].from.Checksummed(), false);
  });
  sends.MoveTo(audit_);
  return true;
}

// Is the transaction known to the node (pending or mined)? Asked for every send whose answer
// settled nothing; a transaction unknown after an unknown outcome is sent again, same bytes.
bool Broadcaster::CheckStatuses(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts) {
  Batch<std::int64_t> checks;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (verdicts[i].verdict != SendVerdict::kCheck) continue;
    const Job& j = jobs[i];
    checks.Add(
        j.chain_id, [&] { return ReadExchange(chains_[j.chain_id].endpoints); }, i,
        "eth_getTransactionByHash", {j.tx_hash}, j.Ids());
  }
  if (checks.empty()) return true;
  if (!checks.Run(gateway_)) return false;
  std::vector<std::size_t> resend;
  checks.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    verdicts[i] = rpc::JudgeStatusCheck(verdicts[i], r, ex.last_error);
    if (verdicts[i].verdict == SendVerdict::kResend) resend.push_back(i);
  });
  checks.MoveTo(audit_);
  return resend.empty() || Resend(jobs, verdicts, resend);
}

// Underpriced and not in the pool: before a re-price, is the nonce held in the pool by another
// transaction? Then a new attempt would only bid against it (issue 19: no fee war).
bool Broadcaster::CheckUnderpricedHolders(const std::vector<Job>& jobs,
                                          std::vector<rpc::SendJudgement>& verdicts) {
  Batch<std::int64_t> counts;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (verdicts[i].verdict != SendVerdict::kReprice) continue;
    const Job& j = jobs[i];
    counts.Add(
        j.chain_id, [&] { return ReadExchange(chains_[j.chain_id].endpoints); }, i, "eth_getTransactionCount",
        {j.from.Checksummed(), "pending"}, j.Ids());
  }
  if (counts.empty()) return true;
  if (!counts.Run(gateway_)) return false;
  counts.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange&) {
    const auto pending = r && !r->is_error ? rpc::HexQuantity(r->result) : std::nullopt;
    verdicts[i] =
        rpc::JudgeUnderpricedHolder(verdicts[i], pending, static_cast<std::uint64_t>(jobs[i].nonce));
  });
  counts.MoveTo(audit_);
  return true;
}

bool Broadcaster::Resend(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts,
                         const std::vector<std::size_t>& which) {
  Batch<std::int64_t> resends;
  for (std::size_t i : which) {
    const Job& j = jobs[i];
    resends.Add(
        j.chain_id, [&] { return WriteExchange(chains_[j.chain_id].endpoints); }, i, "eth_sendRawTransaction",
        {ToHex(j.raw)}, j.Ids());
  }
  if (!resends.Run(gateway_)) return false;
  resends.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    verdicts[i] =
        rpc::JudgeSend(r, ex.outcome, ex.last_error, jobs[i].tx_hash, jobs[i].from.Checksummed(), true);
  });
  resends.MoveTo(audit_);
  return true;
}

void Broadcaster::RecordVerdict(Job& j, const rpc::SendJudgement& v) {
  switch (v.verdict) {
    case SendVerdict::kSent:
      RecordSent({&j});
      break;
    case SendVerdict::kNonceUsed:
      // Recorded as sent so that the tracker looks at it: it finds the nonce used and decides.
      store::MarkSent(j.attempt_id);
      if (j.withdrawal_id) {
        store::MoveStatus(*j.withdrawal_id, "signed", "broadcasted",
                          "its nonce is already used on chain (" + v.error +
                              "); the tracker decides by whom: tx " + j.tx_hash);
      }
      Done(j);
      pg::worker::LogWarning("txrelay broadcaster: nonce already used on chain, handed to the tracker: " +
                             v.error + " " + j.Describe());
      break;
    case SendVerdict::kDead:
      Dead(j, v.error);
      break;
    case SendVerdict::kReprice:
      Reprice(j, v.error);
      break;
    default:
      // A re-send of an attempt that a newer one at the same nonce (a fee bump) replaced is
      // pointless - the node refuses it as an underpriced replacement for ever; the tracker
      // follows every attempt at the nonce, whichever is mined.
      if (store::IsSuperseded(j.attempt_id)) {
        Cancelled(j, "superseded by a newer attempt at the same nonce (" + v.error + ")");
      } else {
        Retry(j, v.error);
      }
  }
}

void Broadcaster::Reprice(Job& j, const std::string& error) {
  const ChainInfo& chain = chains_[j.chain_id];
  const FeeBump bump = chain.base_fee
                           ? RequestFeeBump(chain, j.attempt_id, *chain.base_fee, chain.suggested_tip,
                                            "refused by the node as underpriced (" + error + ")")
                           : FeeBump::kAtCap;
  if (bump == FeeBump::kRequested || bump == FeeBump::kUnderway) {
    store::MarkRefused(j.attempt_id);  // never accepted by the node: replaced by the new one
    Cancelled(j, "re-priced: a new attempt at the same nonce replaces this one (" + error + ")");
  } else {
    Retry(j, error);  // at the caps (or no fee quote): try these bytes again later
  }
}

}  // namespace txrelay::bgworker
