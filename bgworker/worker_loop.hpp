// The loop every txrelay worker runs (DESIGN §5): wait for the extension, recover, then rounds of
// work; between rounds sleep on the latch (commits wake it) at most until the next retry falls
// due; reload settings on SIGHUP; back off after a failed round; return on SIGTERM.
#pragma once

#include <functional>
#include <string>

namespace txrelay::bgworker {

struct WorkerRole {
  std::string name;                   // "broadcaster", "tracker": in logs and pg_stat_activity
  std::function<bool()> enabled;      // its txrelay.*_enabled setting
  std::function<void()> on_ready;     // once the extension is there (and after a failed round)
  std::function<bool()> run_once;     // one round; true when more work may be waiting
  std::function<long()> next_due_ms;  // when to look again when idle (-1: idle_wake_ms)
  std::function<void()> on_reload;    // after SIGHUP
};

void RunWorkerLoop(const WorkerRole& role);

// The entry function's body for a worker process: connects, publishes its latch, runs `body`,
// and exits with code 1 whatever happens (so the postmaster restarts it, but at shutdown).
void RunWorkerProcess(const std::string& name, int latch_kind, const std::function<void()>& body);

}  // namespace txrelay::bgworker
