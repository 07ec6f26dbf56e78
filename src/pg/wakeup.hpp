// Wake-up at commit (DESIGN §5): a backend that commits work for a worker sets that worker's
// latch, found in shared memory, from a transaction callback - so work starts within
// milliseconds of the commit, never on a polling interval and never before the commit.
#pragma once

namespace txrelay::pg {

enum class WorkerKind : int { kBroadcaster = 0, kTracker = 1 };
inline constexpr int kWorkerKinds = 2;

// From _PG_init while shared_preload_libraries is processed: reserves and initialises the
// shared struct that holds each worker's latch.
void InstallWakeupSharedMemory();

// In a worker: publishes its latch (and clears it again when the process exits).
void PublishWorkerLatch(WorkerKind kind);

// In any backend: the worker's latch will be set when the current transaction commits (nothing
// happens if it aborts). Does nothing in the worker itself or without shared memory.
void WakeAtCommit(WorkerKind kind);

}  // namespace txrelay::pg
