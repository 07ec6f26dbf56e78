// Reconciliation runs (DESIGN §7): requested by txrelay.reconcile() or by the broadcaster's
// start-up check, performed by a worker, finished with a report.
//   requested -> running -> done | failed
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace txrelay::store {

// The run of this scope (a chain, or all chains) already requested or running.
std::optional<std::int64_t> OpenRun(const std::optional<std::int64_t>& chain_id);
std::int64_t RequestRun(const std::optional<std::int64_t>& chain_id);

// Runs left 'running' by a process that died mid-run go back to 'requested' (except the
// start-up runs of `startup_requester`, which are not resumed).
void RequeueInterruptedRuns(const std::string& startup_requester);
struct ClaimedRun {
  std::int64_t run_id = 0;
  std::optional<std::int64_t> chain_id;
};
// The oldest requested run, now running (SKIP LOCKED), or none.
std::optional<ClaimedRun> ClaimRequestedRun();

// A start-up run of one chain: a predecessor's interrupted one is marked failed, a new one starts.
std::int64_t StartStartupRun(const std::string& requester, std::int64_t chain_id);

struct RunOutcome {
  std::int64_t findings = 0;
  std::string disagreements;  // JSON array of the domain counts' disagreements ("[]": none)
};
// Done (error empty) or failed; with `count_domain`, the domain counts are taken too.
RunOutcome FinishRun(std::int64_t run_id, const std::optional<std::string>& error, int findings,
                     const std::string& report_json, bool count_domain);

// Serialises reconcile() callers (two cron schedules, a DBA) until the transaction ends: a table
// lock in a mode only the table's writers may take, unlike an advisory lock, which any role can
// take and hold. It conflicts with the workers' writes of runs only for that short transaction.
void LockRunRequests();

}  // namespace txrelay::store
