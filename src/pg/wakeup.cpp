#include <cstring>

#include "pg/guard.hpp"
#include "pg/wakeup.hpp"

extern "C" {
#include "storage/ipc.h"     // shmem hooks, on_shmem_exit
#include "storage/latch.h"   // SetLatch
#include "storage/lwlock.h"  // AddinShmemInitLock
#include "storage/shmem.h"   // ShmemInitStruct
#include "storage/spin.h"    // slock_t
}

namespace txrelay::pg {

namespace {

struct WakeupShared {
  slock_t mutex;
  Latch* latch[kWorkerKinds];
  pid_t pid[kWorkerKinds];
};

WakeupShared* shared = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

// Per backend: which workers to wake when the current transaction commits.
bool wake_pending[kWorkerKinds] = {false, false};
bool callback_registered = false;

void RequestShared() {
  if (previous_request_hook != nullptr) previous_request_hook();
  RequestAddinShmemSpace(MAXALIGN(sizeof(WakeupShared)));
}

void StartupShared() {
  if (previous_startup_hook != nullptr) previous_startup_hook();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found = false;
  shared = static_cast<WakeupShared*>(ShmemInitStruct("txrelay wakeup", sizeof(WakeupShared), &found));
  if (!found) {
    std::memset(shared, 0, sizeof(WakeupShared));
    SpinLockInit(&shared->mutex);
  }
  LWLockRelease(AddinShmemInitLock);
}

void OnTransactionEnd(XactEvent event, void*) {
  if (event == XACT_EVENT_COMMIT && shared != nullptr) {
    for (int i = 0; i < kWorkerKinds; ++i) {
      if (!wake_pending[i]) continue;
      SpinLockAcquire(&shared->mutex);
      Latch* latch = shared->latch[i];
      SpinLockRelease(&shared->mutex);
      if (latch != nullptr) SetLatch(latch);
    }
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
      event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
    for (bool& pending : wake_pending) pending = false;
  }
}

void ForgetLatch(int, Datum kind) {
  if (shared == nullptr) return;
  const int i = DatumGetInt32(kind);
  SpinLockAcquire(&shared->mutex);
  if (shared->pid[i] == MyProcPid) {
    shared->latch[i] = nullptr;
    shared->pid[i] = 0;
  }
  SpinLockRelease(&shared->mutex);
}

}  // namespace

void InstallWakeupSharedMemory() {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = RequestShared;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = StartupShared;
}

void PublishWorkerLatch(WorkerKind kind) {
  if (shared == nullptr) return;
  const int i = static_cast<int>(kind);
  SpinLockAcquire(&shared->mutex);
  shared->latch[i] = MyLatch;
  shared->pid[i] = MyProcPid;
  SpinLockRelease(&shared->mutex);
  Call([=] { on_shmem_exit(ForgetLatch, Int32GetDatum(i)); });
}

void WakeAtCommit(WorkerKind kind) {
  if (shared == nullptr) return;
  const int i = static_cast<int>(kind);
  SpinLockAcquire(&shared->mutex);
  const bool is_that_worker = shared->pid[i] == MyProcPid;
  SpinLockRelease(&shared->mutex);
  if (is_that_worker) return;  // a worker committing its own bookkeeping needs no wake-up
  if (!callback_registered) {
    Call([] { RegisterXactCallback(OnTransactionEnd, nullptr); });
    callback_registered = true;
  }
  wake_pending[i] = true;
}

}  // namespace txrelay::pg
