// The error type of the core and the SQLSTATEs of the SQL contract (DESIGN §4a).
// The PostgreSQL boundary (src/pg/function.hpp) turns an Error into ereport(ERROR) with its code.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

namespace sqlstate {
inline constexpr const char kInvalidParameter[] = "22023";      // malformed input
inline constexpr const char kNumericOutOfRange[] = "22003";     // amount outside 1 .. 2^256-1
inline constexpr const char kUniqueViolation[] = "23505";       // config already exists, differently
inline constexpr const char kCheckViolation[] = "23514";        // a ledger pairing rule broken
inline constexpr const char kSerializationFailure[] = "40001";  // retry: a concurrent twin won
inline constexpr const char kIdempotencyConflict[] = "TR001";
inline constexpr const char kInsufficientBalance[] = "TR002";
inline constexpr const char kTransitionRefused[] = "TR003";
inline constexpr const char kSignedTxMismatch[] = "TR004";
inline constexpr const char kSignedTxInvalid[] = "TR005";
inline constexpr const char kAppendOnly[] = "TR006";
inline constexpr const char kAlreadyUsed[] = "TR007";
inline constexpr const char kNoUsableSender[] = "TR008";
inline constexpr const char kUnknownReference[] = "TR009";
inline constexpr const char kSendersBusy[] = "TR011";  // retry: every sender held by other transactions
}  // namespace sqlstate

// An error meant for the SQL caller: a five-character SQLSTATE, a lower-case message without a
// period (PostgreSQL style), and optional detail and hint sentences.
class Error : public std::runtime_error {
 public:
  Error(std::string_view sqlstate, std::string message, std::string detail = {}, std::string hint = {})
      : std::runtime_error(std::move(message)),
        sqlstate_(sqlstate),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}

  const std::string& sqlstate() const noexcept { return sqlstate_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string sqlstate_;
  std::string detail_;
  std::string hint_;
};

// 22023 with a message that names the argument: `<arg> <problem>`.
inline Error InvalidArgument(std::string_view arg, std::string_view problem, std::string detail = {}) {
  return Error(sqlstate::kInvalidParameter, std::string(arg) + " " + std::string(problem), std::move(detail));
}

// Quotes a value for a message, shortened so that a huge input cannot flood a log line.
std::string Quote(std::string_view value, std::size_t max_chars = 80);

}  // namespace txrelay
