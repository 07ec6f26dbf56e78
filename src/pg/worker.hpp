// What a txrelay background worker needs from PostgreSQL (DESIGN §5): registration with the
// postmaster, signals (SIGTERM stops, SIGHUP reloads settings), the database connection, waiting
// on its latch and on sockets at once, pg_stat_activity, time and logs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace txrelay::pg::worker {

// From _PG_init: a worker started once recovery has finished (so only on a primary, and at
// promotion), restarted `restart_seconds` after it exits with an error or crashes.
void Register(const char* display_name, const char* entry_function, int restart_seconds);

// At the start of the entry function: installs the signal handlers, connects to `database`,
// names the process (application_name, pg_stat_activity.backend_type), and makes its commits
// synchronous (synchronous_commit = on, whatever the server default).
void Start(const char* application_name, const char* database);

// Whether SIGTERM was received.
bool StopRequested();
// Re-reads postgresql.conf after SIGHUP; returns true if it did.
bool ReloadSettingsIfRequested();

// pg_stat_activity: state 'active' with `what` as the query, or 'idle'.
void ReportActive(const std::string& what);
void ReportIdle(const std::string& what);
// Sends this process's table statistics (rows inserted, updated, dead) to the cumulative
// statistics, at most once a second: a worker never goes idle the way a client session does, so
// without this autovacuum and autoanalyze would see its writes only when it exits (issue 20).
void ReportTableStatistics();

struct SocketInterest {
  int fd = -1;
  bool read = false;
  bool write = false;
};
struct SocketReady {
  int fd = -1;
  bool readable = false;
  bool writable = false;
};

// Sleeps until the latch is set (new work, a signal), one of `sockets` is ready, or `timeout_ms`
// passes (-1: no timeout). Exits the process if the postmaster died. Returns the ready sockets.
std::vector<SocketReady> Wait(const std::vector<SocketInterest>& sockets, long timeout_ms);

std::int64_t NowMs();       // wall clock, milliseconds
std::uint64_t RandomU64();  // for backoff jitter

void LogInfo(const std::string& message);
void LogWarning(const std::string& message);

// Leaves the process: 0 means "do not restart me", anything else is restarted by the postmaster.
[[noreturn]] void Exit(int code);

}  // namespace txrelay::pg::worker
