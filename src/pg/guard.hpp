// The guard of DESIGN §9 for calls from C++ into PostgreSQL: a PostgreSQL ERROR (a longjmp)
// raised inside pg::Call becomes a C++ exception, PgError, so that it unwinds C++ frames with
// their destructors instead of jumping over them.
//
// Rules for the callable given to Call: it calls PostgreSQL functions only and creates no C++
// object with a destructor (a longjmp out of it would skip that destructor). After a PgError
// the transaction is in error: the only thing left to do is to unwind and report, which
// pg::Invoke does. Call refuses to run after an error was caught, so a bug cannot carry on.
#pragma once

#include <exception>
#include <type_traits>

#include "pg/postgres.hpp"

namespace txrelay::pg {

class PgError final : public std::exception {
 public:
  explicit PgError(ErrorData* data) noexcept : data_(data) {}
  ErrorData* data() const noexcept { return data_; }
  const char* what() const noexcept override;
  int sqlerrcode() const noexcept { return data_->sqlerrcode; }
  // The constraint named by a constraint-violation error, or "".
  const char* constraint() const noexcept;

 private:
  ErrorData* data_;  // palloc'd in the context that was current when Call was entered
};

namespace detail {
// Copies the error being handled out of ErrorContext into `context`, clears the error state and
// throws PgError.
[[noreturn]] void ThrowCaughtError(MemoryContext context);
// Throws std::logic_error if a PgError was caught in this SQL call and PostgreSQL is called again.
void RefuseAfterError();
// Whether a PostgreSQL error was caught in the current SQL call.
bool ErrorCaught();
// Called by pg::Invoke at each entry from SQL.
void ResetErrorCaught();
}  // namespace detail

template <typename Fn>
auto Call(Fn&& fn) -> decltype(fn()) {
  using Result = decltype(fn());
  detail::RefuseAfterError();
  MemoryContext const context = CurrentMemoryContext;
  volatile bool failed = false;
  if constexpr (std::is_void_v<Result>) {
    PG_TRY();
    { fn(); }
    PG_CATCH();
    { failed = true; }
    PG_END_TRY();
    if (failed) detail::ThrowCaughtError(context);
  } else {
    static_assert(std::is_trivially_destructible_v<Result>,
                  "pg::Call returns PostgreSQL values (Datum, pointers, scalars) only");
    Result result{};
    PG_TRY();
    { result = fn(); }
    PG_CATCH();
    { failed = true; }
    PG_END_TRY();
    if (failed) detail::ThrowCaughtError(context);
    return result;
  }
}

}  // namespace txrelay::pg
