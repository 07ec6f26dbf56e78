// Transactions for background workers, which have no client to start them: one per batch of
// bookkeeping, never held across a network call (DESIGN §5). Subtransactions isolate one piece of
// work in a batch, so that its error does not undo the others.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace txrelay::pg {

// StartTransactionCommand + snapshot + SPI. Commit() commits; leaving the scope without it
// (an exception, a PgError) aborts.
class WorkerTransaction {
 public:
  WorkerTransaction();
  ~WorkerTransaction();
  void Commit();
  WorkerTransaction(const WorkerTransaction&) = delete;
  WorkerTransaction& operator=(const WorkerTransaction&) = delete;

 private:
  bool open_ = true;
};

// BeginInternalSubTransaction inside a WorkerTransaction. Release() keeps its work; leaving the
// scope without it rolls it back - including after a PgError, after which the worker may go on
// calling PostgreSQL (the error has been cleaned up).
class SubTransaction {
 public:
  SubTransaction();
  ~SubTransaction();
  void Release();
  SubTransaction(const SubTransaction&) = delete;
  SubTransaction& operator=(const SubTransaction&) = delete;

 private:
  void* memory_context_;
  void* resource_owner_;
  bool open_ = true;
};

// Runs `fn` in a SubTransaction: on a PostgreSQL error its work is rolled back and the error is
// returned (the enclosing transaction goes on); nullopt when it succeeded and was kept.
struct SubTransactionError {
  int sqlerrcode = 0;
  std::string message;
};
std::optional<SubTransactionError> RunInSubTransaction(const std::function<void()>& fn);

// After an exception escaped a WorkerTransaction: makes PostgreSQL callable again.
void RecoverFromError();

}  // namespace txrelay::pg
