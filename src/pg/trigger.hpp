// Trigger context for C++ trigger functions: which event fired, the table, and the old and new
// row's columns by name.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg/postgres.hpp"
#include "pg/spi.hpp"

namespace txrelay::pg {

class Trigger {
 public:
  // Throws std::logic_error when the function was not called as a trigger.
  explicit Trigger(FunctionCallInfo fcinfo);

  bool IsInsert() const { return TRIGGER_FIRED_BY_INSERT(data_->tg_event); }
  bool IsUpdate() const { return TRIGGER_FIRED_BY_UPDATE(data_->tg_event); }
  bool IsDelete() const { return TRIGGER_FIRED_BY_DELETE(data_->tg_event); }
  bool IsTruncate() const { return TRIGGER_FIRED_BY_TRUNCATE(data_->tg_event); }
  bool IsBefore() const { return TRIGGER_FIRED_BEFORE(data_->tg_event); }
  bool IsRowLevel() const { return TRIGGER_FIRED_FOR_ROW(data_->tg_event); }
  // "INSERT", "UPDATE", "DELETE" or "TRUNCATE".
  const char* EventName() const;
  std::string TableName() const;

  // Column text (output function) of the new row (INSERT/UPDATE) or the old row (UPDATE/DELETE).
  std::optional<std::string> NewText(const char* column) const;
  std::optional<std::string> OldText(const char* column) const;
  Datum NewValue(const char* column, bool* is_null) const;
  // Whether an UPDATE changes the column's stored value (compared byte for byte, detoasted).
  bool Changed(const char* column) const;

  // Makes the statement's transition tables (REFERENCING OLD/NEW TABLE) readable by name in the
  // SPI connection open now.
  void RegisterTransitionTables() const;

  // What a row trigger returns to let the operation go ahead with the row unchanged.
  Datum ProceedUnchanged() const;
  // What a BEFORE INSERT/UPDATE trigger returns to store the new row with some columns replaced.
  Datum ProceedWith(const std::vector<std::pair<const char*, Param>>& replacements) const;

 private:
  int Column(const char* column) const;
  HeapTuple NewTuple() const;
  HeapTuple OldTuple() const;
  std::optional<std::string> TextOf(HeapTuple tuple, const char* column) const;
  TriggerData* data_;
};

}  // namespace txrelay::pg
