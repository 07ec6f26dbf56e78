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

class Args {
 public:
  explicit Args(FunctionCallInfo fcinfo) : fcinfo_(fcinfo) {}

  // How many arguments the SQL declaration passes: an older release's declaration of the same C
  // function may pass fewer (the arguments added since have defaults).
  int Count() const { return fcinfo_->nargs; }
  bool IsNull(int i) const;
  Datum Raw(int i) const;

  std::string Text(int i, std::string_view name) const;
  std::optional<std::string> OptionalText(int i) const;
  std::int64_t Int64(int i, std::string_view name) const;
  std::optional<std::int64_t> OptionalInt64(int i) const;
  std::int32_t Int32(int i, std::string_view name) const;
  // A numeric argument as the text of its output function ("100", "1.5", "NaN").
  std::string NumericText(int i, std::string_view name) const;
  std::optional<std::string> OptionalNumericText(int i) const;
  // A uuid argument: checks it is not NULL and returns the Datum (use TextOfUuid for messages).
  Datum Uuid(int i, std::string_view name) const;
  // A jsonb argument that must be a JSON object; returns its canonical text.
  std::string JsonbObjectText(int i, std::string_view name) const;
  // A bytea argument's bytes.
  std::string Bytea(int i, std::string_view name) const;
  // A bytea argument's bytes, refused (22023 naming it) when longer than `max_bytes`, judged
  // before it is detoasted or copied: a hostile 1 GB argument costs no memory here.
  std::string BoundedBytea(int i, std::string_view name, std::size_t max_bytes) const;

 private:
  void RequireNotNull(int i, std::string_view name) const;
  FunctionCallInfo fcinfo_;
};

std::string TextOfUuid(Datum uuid);

}  // namespace txrelay::pg
