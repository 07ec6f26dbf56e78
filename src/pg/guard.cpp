#include <stdexcept>

#include "pg/guard.hpp"

namespace txrelay::pg {

namespace {
// One backend runs one SQL call at a time (no threads in a backend, DESIGN §9).
bool error_caught = false;
}  // namespace

const char* PgError::what() const noexcept {
  return data_ && data_->message ? data_->message : "PostgreSQL error";
}

const char* PgError::constraint() const noexcept {
  return data_ && data_->constraint_name ? data_->constraint_name : "";
}

namespace detail {

void ThrowCaughtError(MemoryContext context) {
  MemoryContextSwitchTo(context);
  ErrorData* data = CopyErrorData();
  FlushErrorState();
  error_caught = true;
  throw PgError(data);
}

void RefuseAfterError() {
  if (error_caught) {
    throw std::logic_error("PostgreSQL called again after an error was caught in the same call");
  }
}

bool ErrorCaught() { return error_caught; }

void ResetErrorCaught() { error_caught = false; }

}  // namespace detail
}  // namespace txrelay::pg
