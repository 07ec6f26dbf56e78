#include "bgworker/worker_loop.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include "bgworker/schema_versions.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {

// The installed extension's version; nullopt before CREATE EXTENSION.
std::optional<std::string> InstalledVersion() {
  pg::WorkerTransaction txn;
  static const pg::Statement kInstalled(
      "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'txrelay'", {});
  const auto rows = kInstalled.Run({});
  std::optional<std::string> version;
  if (!rows.empty()) version = rows.front().Text("extversion");
  txn.Commit();
  return version;
}

bool Supported(const std::string& version) {
  for (const char* v : kSchemaVersions) {
    if (version == v) return true;
  }
  return false;
}

// Whether the workers can run on the installed schema; if not, says why (once per reason).
bool SchemaReady(const std::string& name, std::string& said) {
  const auto version = InstalledVersion();
  std::string why;
  if (!version) {
    why = name + ": waiting for CREATE EXTENSION txrelay";
  } else if (!Supported(*version)) {
    std::string known;
    for (const char* v : kSchemaVersions) known += (known.empty() ? "" : ", ") + std::string(v);
    why = name + ": waiting: the installed schema is txrelay " + *version + ", this library runs " + known +
          " (ALTER EXTENSION txrelay UPDATE, or install the matching library)";
  }
  if (!why.empty()) {
    pg::worker::ReportIdle(why);
    if (why != said && version) pg::worker::LogWarning("txrelay " + why);
    said = why;
  }
  return why.empty();
}

// A row due now that a round did not get is held by another transaction: look again shortly.
constexpr long kMinimumSleepMs = 5;

}  // namespace

void RunWorkerLoop(const WorkerRole& role) {
  bool ready = false;
  std::string said;  // the last reason given for waiting
  int consecutive_errors = 0;
  while (!pg::worker::StopRequested()) {
    if (pg::worker::ReloadSettingsIfRequested() && role.on_reload) role.on_reload();
    long sleep_ms = settings.idle_wake_ms;
    try {
      if (!role.enabled()) {
        pg::worker::ReportIdle(role.name + ": disabled (txrelay." + role.name + "_enabled = off)");
      } else if (!ready) {
        ready = SchemaReady(role.name, said);
        if (!ready) {
          sleep_ms = 10 * settings.idle_wake_ms;
        } else {
          if (role.on_ready) role.on_ready();
          sleep_ms = 0;
        }
      } else if (role.run_once()) {
        sleep_ms = 0;  // more may be waiting
      } else {
        pg::worker::ReportIdle(role.name + ": waiting for work");
        const long due = role.next_due_ms ? role.next_due_ms() : -1;
        if (due >= 0 && due < sleep_ms) sleep_ms = std::max(due, kMinimumSleepMs);
      }
      consecutive_errors = 0;
    } catch (const std::exception& caught) {
      const std::string what = caught.what();
      // The round's transaction rolled back; what it held is leased and comes back. Back off so
      // that a persistent fault does not spin, and start over (the extension may be gone).
      pg::RecoverFromError();
      ++consecutive_errors;
      sleep_ms = std::min<long>(60000, 100L << std::min(consecutive_errors, 9));
      ready = false;
      pg::worker::LogWarning("txrelay " + role.name + ": round failed, retrying in " +
                             std::to_string(sleep_ms) + " ms: " + what);
    }
    pg::worker::ReportTableStatistics();  // between rounds, outside any transaction
    if (sleep_ms > 0 && !pg::worker::StopRequested()) pg::worker::Wait({}, sleep_ms);
  }
}

void RunWorkerProcess(const std::string& name, int latch_kind, const std::function<void()>& body) {
  try {
    pg::worker::Start(("txrelay " + name).c_str(), settings.database);
    pg::PublishWorkerLatch(static_cast<pg::WorkerKind>(latch_kind));
    pg::worker::ReportIdle(name + ": starting");
    body();
    // SIGTERM: at server shutdown the postmaster does not restart us; otherwise (an operator's
    // pg_terminate_backend) the worker comes back a second later - withdrawals must not stop
    // silently.
    pg::worker::LogInfo("txrelay " + name + ": stopping on SIGTERM");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    pg::RecoverFromError();
    pg::worker::LogWarning("txrelay " + name + ": stopping after an error (restarted in 1 s): " + what);
  }
  pg::worker::Exit(1);
}

}  // namespace txrelay::bgworker
