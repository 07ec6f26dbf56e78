#include <csignal>
#include <cstring>
#include <random>

#include "pg/guard.hpp"
#include "pg/worker.hpp"

extern "C" {
#include "miscadmin.h"             // InterruptPending, ProcDiePending
#include "pgstat.h"                // pgstat_report_activity
#include "postmaster/bgworker.h"   // RegisterBackgroundWorker
#include "postmaster/interrupt.h"  // SignalHandlerForConfigReload, ConfigReloadPending
#include "storage/ipc.h"           // proc_exit
#include "storage/latch.h"         // WaitEventSet
#include "tcop/tcopprot.h"         // pqsignal via libpq/pqsignal.h
#include "utils/backend_status.h"  // pgstat_report_appname
#include "utils/guc.h"             // ProcessConfigFile
}

namespace txrelay::pg::worker {

namespace {

volatile sig_atomic_t stop_requested = 0;

// A round ends and the worker stops. A commit waiting for a synchronous standby that will not come
// (on a demoted or cut-off primary) leaves that wait only for a pending die, as a backend's does:
// without it a fast shutdown waited for the worker forever and the HA engine could not stop the
// old primary (issue 21). The worker then exits at its next interrupt check (FATAL: proc_exit, no
// longjmp through C++ frames); such a commit stands locally only, and the broadcast gate
// (require_synchronous_standby) holds any send of it.
void HandleSigterm(SIGNAL_ARGS) {
  const int saved_errno = errno;
  stop_requested = 1;
  if (!proc_exit_inprogress) {
    InterruptPending = true;
    ProcDiePending = true;
  }
  SetLatch(MyLatch);
  errno = saved_errno;
}

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}

}  // namespace

void Register(const char* display_name, const char* entry_function, int restart_seconds) {
  BackgroundWorker w;
  std::memset(&w, 0, sizeof w);
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;  // primaries only; started at promotion
  w.bgw_restart_time = restart_seconds;
  snprintf(w.bgw_library_name, BGW_MAXLEN, "txrelay");
  snprintf(w.bgw_function_name, BGW_MAXLEN, "%s", entry_function);
  snprintf(w.bgw_name, BGW_MAXLEN, "%s", display_name);
  snprintf(w.bgw_type, BGW_MAXLEN, "%s", display_name);
  Call([&w] { RegisterBackgroundWorker(&w); });
}

void Start(const char* application_name, const char* database) {
  pqsignal(SIGTERM, HandleSigterm);
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  BackgroundWorkerUnblockSignals();
  Call([=] {
    BackgroundWorkerInitializeConnection(database, nullptr, 0);
    pgstat_report_appname(application_name);
    // A worker's commit must be on disk (and, with synchronous replication, on the standby)
    // before the network call it prepares: a signed transaction sent and then lost in a crash
    // would be signed again with other fees - another transaction for the same nonce. Whatever
    // the server default, the workers commit synchronously; their flush also covers every
    // earlier commit they read (the WAL is flushed in order).
    SetConfigOption("synchronous_commit", "on", PGC_SUSET, PGC_S_OVERRIDE);
    // The search_path of txrelay's SECURITY DEFINER functions. The workers name every object by
    // schema, so this changes no statement's meaning; but a cached plan (SPI's, and the foreign-
    // key checks') made under one search_path is parsed and planned again each time it runs under
    // another, and the workers run the same checks inside those functions (submit_signed) and
    // outside them, in turn: with one path they plan once.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
  });
}

bool StopRequested() { return stop_requested != 0; }

bool ReloadSettingsIfRequested() {
  if (!ConfigReloadPending) return false;
  ConfigReloadPending = false;
  Call([] { ProcessConfigFile(PGC_SIGHUP); });
  return true;
}

void ReportActive(const std::string& what) {
  const char* text = what.c_str();
  Call([=] { pgstat_report_activity(STATE_RUNNING, text); });
}

void ReportIdle(const std::string& what) {
  const char* text = what.c_str();
  Call([=] { pgstat_report_activity(STATE_IDLE, text); });
}

void ReportTableStatistics() {
  Call([] { pgstat_report_stat(false); });  // rate-limited by PostgreSQL (PGSTAT_MIN_INTERVAL)
}

std::vector<SocketReady> Wait(const std::vector<SocketInterest>& sockets, long timeout_ms) {
  const int capacity = static_cast<int>(sockets.size()) + 2;
  std::vector<WaitEvent> events(static_cast<std::size_t>(capacity));
  const SocketInterest* interests = sockets.data();
  const int count = static_cast<int>(sockets.size());
  WaitEvent* out = events.data();
  const int ready = Call([=] {
    WaitEventSet* set = CreateWaitEventSet(CurrentMemoryContext, capacity);
    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
    for (int i = 0; i < count; ++i) {
      uint32 mask =
          (interests[i].read ? WL_SOCKET_READABLE : 0) | (interests[i].write ? WL_SOCKET_WRITEABLE : 0);
      if (mask != 0) AddWaitEventToSet(set, mask, interests[i].fd, nullptr, nullptr);
    }
    const int n = WaitEventSetWait(set, timeout_ms, out, capacity, PG_WAIT_EXTENSION);
    FreeWaitEventSet(set);
    return n;
  });
  std::vector<SocketReady> result;
  for (int i = 0; i < ready; ++i) {
    const WaitEvent& e = events[static_cast<std::size_t>(i)];
    if (e.events & WL_LATCH_SET) {
      ResetLatch(MyLatch);
      continue;
    }
    if (e.events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
      result.push_back({e.fd, (e.events & WL_SOCKET_READABLE) != 0, (e.events & WL_SOCKET_WRITEABLE) != 0});
    }
  }
  Call([] { CHECK_FOR_INTERRUPTS(); });
  return result;
}

std::int64_t NowMs() {
  // PostgreSQL counts microseconds from 2000-01-01; txrelay's workers speak Unix milliseconds.
  constexpr std::int64_t kUnixToPostgresMs =
      static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
  return static_cast<std::int64_t>(GetCurrentTimestamp() / 1000) + kUnixToPostgresMs;
}

std::uint64_t RandomU64() { return Rng()(); }

void LogInfo(const std::string& message) {
  const char* text = message.c_str();
  Call([=] { ereport(LOG, (errmsg_internal("%s", text))); });
}

void LogWarning(const std::string& message) {
  const char* text = message.c_str();
  Call([=] { ereport(WARNING, (errmsg_internal("%s", text))); });
}

void Exit(int code) { proc_exit(code); }

}  // namespace txrelay::pg::worker
