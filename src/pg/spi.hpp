// SPI for C++: a connection that closes itself, statements prepared once per backend, typed
// parameters and row accessors. Every call into PostgreSQL goes through pg::Call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/postgres.hpp"

namespace txrelay::pg {

// SPI_connect on construction, SPI_finish on destruction. When a PostgreSQL error is unwinding
// the stack, SPI_finish is left to the transaction abort (AtEOXact_SPI), which is the only safe
// cleanup after an ERROR.
class SpiConnection {
 public:
  SpiConnection();
  ~SpiConnection();
  SpiConnection(const SpiConnection&) = delete;
  SpiConnection& operator=(const SpiConnection&) = delete;
};

// One query parameter. The helpers copy the value into PostgreSQL memory of the current call.
struct Param {
  Oid type;
  Datum value;
  bool is_null;
};
Param TextParam(std::string_view value);
Param OptionalTextParam(const std::optional<std::string>& value);
Param Int8Param(std::int64_t value);
Param OptionalInt8Param(const std::optional<std::int64_t>& value);
Param Int4Param(std::int32_t value);
Param BoolParam(bool value);
Param Float8Param(double value);
Param ByteaParam(const std::uint8_t* data, std::size_t size);
Param DatumParam(Oid type, Datum value, bool is_null = false);
// SQL NULL of a type.
Param NullParam(Oid type);
// A text[] of `items` (pg/arrays.cpp): a batch's column, cast in the SQL (unnest($1::text[])...).
Param TextArrayParam(const std::vector<std::string>& items);
Param OptionalTextArrayParam(const std::vector<std::optional<std::string>>& items);  // NULL items

// One result row. Columns are read by name (the SQL names them with AS where needed), so that
// a reordered SELECT list cannot silently shift a value into the wrong field.
class Row {
 public:
  Row(SPITupleTable* table, std::uint64_t index) : table_(table), index_(index) {}
  bool IsNull(const char* column) const;
  // The column's text (its type's output function). Throws std::logic_error on NULL.
  std::string Text(const char* column) const;
  std::optional<std::string> OptionalText(const char* column) const;
  // int2, int4 or int8 columns.
  std::int64_t Int64(const char* column) const;
  std::optional<std::int64_t> OptionalInt64(const char* column) const;
  bool Bool(const char* column) const;
  // bytea column contents.
  std::vector<std::uint8_t> Bytes(const char* column) const;
  // The raw value, valid until SPI_finish.
  Datum Value(const char* column) const;
  // A copy of a by-reference value (a whole row, text ...) in the caller's memory context, so
  // that it can be returned to PostgreSQL after SPI_finish.
  Datum TransferValue(const char* column) const;

 private:
  // The 1-based attribute number of `column`; std::logic_error if the result has no such column.
  int Attribute(const char* column) const;
  Datum Binary(const char* column, bool* is_null) const;
  [[noreturn]] void NullIn(const char* column) const;
  HeapTuple Tuple() const { return table_->vals[index_]; }
  SPITupleTable* table_;
  std::uint64_t index_;
};

// The result of one statement; valid until the next SPI call.
class Rows {
 public:
  Rows(SPITupleTable* table, std::uint64_t count) : table_(table), count_(count) {}
  std::uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Row operator[](std::uint64_t i) const;
  Row front() const { return (*this)[0]; }
  // Two text columns as a map, key -> value (a later row with the same key is dropped).
  std::map<std::string, std::string> TextMap(const char* key, const char* value) const;

 private:
  SPITupleTable* table_;
  std::uint64_t count_;
};

// A statement prepared on first use and kept for the life of the backend (SPI_keepplan).
// Declare them as statics; the plan cache re-plans them when the schema changes.
class Statement {
 public:
  Statement(const char* sql, std::initializer_list<Oid> arg_types) : sql_(sql), types_(arg_types) {}
  Rows Run(std::initializer_list<Param> params, long limit = 0) const;

 private:
  SPIPlanPtr Plan() const;
  const char* sql_;
  std::vector<Oid> types_;
  mutable SPIPlanPtr plan_ = nullptr;
};

}  // namespace txrelay::pg
