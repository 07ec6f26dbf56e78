#include "pg/request_counters.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "port/atomics.h"    // pg_atomic_uint64
#include "storage/ipc.h"     // shmem hooks
#include "storage/lwlock.h"  // AddinShmemInitLock
#include "storage/shmem.h"   // ShmemInitStruct
}

namespace txrelay::pg {

namespace {

struct RequestCounters {
  pg_atomic_uint64 calls[kRequestOutcomes];
};

RequestCounters* counters = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void RequestShared() {
  if (previous_request_hook != nullptr) previous_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(RequestCounters)));
}

void StartupShared() {
  if (previous_startup_hook != nullptr) previous_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  counters = static_cast<RequestCounters*>(
      ShmemInitStruct("txrelay request counters", sizeof(RequestCounters), &found));
  if (!found) {
    for (auto& c : counters->calls) pg_atomic_init_u64(&c, 0);
  }
  LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void InstallRequestCounters() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = RequestShared;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = StartupShared;
}

void CountRequest(RequestOutcome outcome) {
  if (counters == nullptr) return;
  pg_atomic_fetch_add_u64(&counters->calls[static_cast<int>(outcome)], 1);
}

std::optional<std::array<std::uint64_t, kRequestOutcomes>> ReadRequestCounters() {
  if (counters == nullptr) return std::nullopt;
  std::array<std::uint64_t, kRequestOutcomes> out{};
  for (int i = 0; i < kRequestOutcomes; ++i) out[i] = pg_atomic_read_u64(&counters->calls[i]);
  return out;
}

}  // namespace txrelay::pg
