// Arguments of SQL-callable functions as C++ values. A NULL where a value is required is
// Error 22023 naming the argument: the functions are not STRICT, so a NULL never silently
// turns a call into a no-op.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pg/postgres.hpp"

namespace txrelay::pg {
// Caps on the stored size of any argument, judged before it is detoasted or copied, so that a
// hostile 1 GB argument costs no memory: text (4 bytes per character of the longest text rule,
// free text, plus room), jsonb (a withdrawal's metadata, as jsonb stores it) and bytea (a raw
// transaction, geth's limit for a pooled one).
inline constexpr std::size_t kMaxTextArgumentBytes = 8 * 1024;
inline constexpr std::size_t kMaxJsonbArgumentBytes = 16 * 1024;
inline constexpr std::size_t kMaxByteaArgumentBytes = 128 * 1024;

class Args {
 public:
  explicit Args(FunctionCallInfo fcinfo) : fcinfo_(fcinfo) {}

  // How many arguments the SQL declaration passes: an older release's declaration of the same C
  // function may pass fewer (the arguments added since have defaults).
  int Count() const { return fcinfo_->nargs; }
  bool IsNull(int i) const;
  Datum Raw(int i) const;

  // Text, jsonb and bytea arguments are refused (22023 naming the argument) when their stored
  // size is over `max_bytes`, judged before they are detoasted or copied.
  std::string Text(int i, std::string_view name, std::size_t max_bytes = kMaxTextArgumentBytes) const;
  std::optional<std::string> OptionalText(int i, std::string_view name,
                                          std::size_t max_bytes = kMaxTextArgumentBytes) const;
  std::int64_t Int64(int i, std::string_view name) const;
  std::optional<std::int64_t> OptionalInt64(int i) const;
  std::int32_t Int32(int i, std::string_view name) const;
  // A numeric argument as the text of its output function ("100", "1.5", "NaN").
  std::string NumericText(int i, std::string_view name) const;
  std::optional<std::string> OptionalNumericText(int i) const;
  // A uuid argument: checks it is not NULL and returns the Datum (use TextOfUuid for messages).
  Datum Uuid(int i, std::string_view name) const;
  // A jsonb argument that must be a JSON object; returns its canonical text.
  std::string JsonbObjectText(int i, std::string_view name,
                              std::size_t max_bytes = kMaxJsonbArgumentBytes) const;
  // A bytea argument's bytes.
  std::string Bytea(int i, std::string_view name, std::size_t max_bytes = kMaxByteaArgumentBytes) const;

 private:
  void RequireNotNull(int i, std::string_view name) const;
  void RequireStoredSizeAtMost(int i, std::string_view name, std::size_t max_bytes) const;
  FunctionCallInfo fcinfo_;
};

std::string TextOfUuid(Datum uuid);
// A uuid's text in its canonical form (22P02 for text that is not a uuid).
std::string CanonicalUuid(const std::string& text);

}  // namespace txrelay::pg
