#include "pg/guard.hpp"
#include "pg/worker_transaction.hpp"

extern "C" {
#include "storage/ipc.h"     // proc_exit
#include "utils/resowner.h"  // CurrentResourceOwner
#include "utils/snapmgr.h"   // PushActiveSnapshot
}

namespace txrelay::pg {

namespace {

// Rolls back in a way that cannot throw: a failure here leaves the process unusable, so it exits
// and the postmaster starts a fresh worker.
template <typename Fn>
void CleanupOrExit(Fn fn) {
  PG_TRY();
  { fn(); }
  PG_CATCH();
  {
    EmitErrorReport();
    FlushErrorState();
    proc_exit(1);
  }
  PG_END_TRY();
}

}  // namespace

WorkerTransaction::WorkerTransaction() {
  Call([] {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "txrelay: SPI_connect failed");
  });
}

void WorkerTransaction::Commit() {
  Call([] {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
  });
  open_ = false;
}

WorkerTransaction::~WorkerTransaction() {
  if (!open_) return;
  detail::ResetErrorCaught();
  CleanupOrExit([] { AbortCurrentTransaction(); });
}

SubTransaction::SubTransaction()
    : memory_context_(CurrentMemoryContext), resource_owner_(CurrentResourceOwner) {
  MemoryContext context = CurrentMemoryContext;
  Call([=] {
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(context);
  });
}

void SubTransaction::Release() {
  MemoryContext context = static_cast<MemoryContext>(memory_context_);
  ResourceOwner owner = static_cast<ResourceOwner>(resource_owner_);
  Call([=] {
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
  });
  open_ = false;
}

SubTransaction::~SubTransaction() {
  if (!open_) return;
  detail::ResetErrorCaught();
  MemoryContext context = static_cast<MemoryContext>(memory_context_);
  ResourceOwner owner = static_cast<ResourceOwner>(resource_owner_);
  CleanupOrExit([=] {
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
  });
}

std::optional<SubTransactionError> RunInSubTransaction(const std::function<void()>& fn) {
  SubTransaction sub;  // declared first: it rolls back after the error has been copied below
  try {
    fn();
    sub.Release();
    return std::nullopt;
  } catch (const PgError& e) {
    return SubTransactionError{e.sqlerrcode(), e.what()};
  }
}

void RecoverFromError() {
  detail::ResetErrorCaught();
  CleanupOrExit([] {
    if (IsTransactionState() || IsAbortedTransactionBlockState()) AbortCurrentTransaction();
  });
  MemoryContextSwitchTo(TopMemoryContext);
}

}  // namespace txrelay::pg
