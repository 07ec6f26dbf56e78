#include <stdexcept>

#include "pg/guard.hpp"
#include "pg/spi.hpp"

namespace txrelay::pg {

SpiConnection::SpiConnection() {
  const int rc = Call([] { return SPI_connect(); });
  if (rc != SPI_OK_CONNECT) throw std::runtime_error("SPI_connect failed");
}

SpiConnection::~SpiConnection() {
  if (!detail::ErrorCaught()) SPI_finish();
}

Param TextParam(std::string_view value) {
  const char* data = value.data();
  const int size = static_cast<int>(value.size());
  return {TEXTOID, Call([=] { return PointerGetDatum(cstring_to_text_with_len(data, size)); }), false};
}

Param OptionalTextParam(const std::optional<std::string>& value) {
  return value ? TextParam(*value) : Param{TEXTOID, Datum(0), true};
}

Param Int8Param(std::int64_t value) { return {INT8OID, Int64GetDatum(value), false}; }

Param OptionalInt8Param(const std::optional<std::int64_t>& value) {
  return value ? Int8Param(*value) : Param{INT8OID, Datum(0), true};
}

Param Int4Param(std::int32_t value) { return {INT4OID, Int32GetDatum(value), false}; }

Param BoolParam(bool value) { return {BOOLOID, BoolGetDatum(value), false}; }

Param Float8Param(double value) { return {FLOAT8OID, Float8GetDatum(value), false}; }

Param ByteaParam(const std::uint8_t* data, std::size_t size) {
  const auto* chars = reinterpret_cast<const char*>(data);
  const int n = static_cast<int>(size);
  return {BYTEAOID, Call([=] { return PointerGetDatum(cstring_to_text_with_len(chars, n)); }), false};
}

Param DatumParam(Oid type, Datum value, bool is_null) { return {type, value, is_null}; }

Param NullParam(Oid type) { return {type, Datum(0), true}; }

int Row::Attribute(const char* column) const {
  const int attribute = SPI_fnumber(table_->tupdesc, column);
  if (attribute <= 0) throw std::logic_error(std::string("no column '") + column + "' in the result");
  return attribute;
}

Datum Row::Binary(const char* column, bool* is_null) const {
  return SPI_getbinval(Tuple(), table_->tupdesc, Attribute(column), is_null);
}

void Row::NullIn(const char* column) const {
  throw std::logic_error(std::string("unexpected NULL in column '") + column + "'");
}

bool Row::IsNull(const char* column) const {
  bool is_null = false;
  Binary(column, &is_null);
  return is_null;
}

std::string Row::Text(const char* column) const {
  auto value = OptionalText(column);
  if (!value) NullIn(column);
  return std::move(*value);
}

std::optional<std::string> Row::OptionalText(const char* column) const {
  HeapTuple tuple = Tuple();
  TupleDesc desc = table_->tupdesc;
  const int attribute = Attribute(column);
  const char* text = Call([=] { return SPI_getvalue(tuple, desc, attribute); });
  if (text == nullptr) return std::nullopt;
  return std::string(text);
}

std::int64_t Row::Int64(const char* column) const {
  auto value = OptionalInt64(column);
  if (!value) NullIn(column);
  return *value;
}

std::optional<std::int64_t> Row::OptionalInt64(const char* column) const {
  bool is_null = false;
  const Datum d = Binary(column, &is_null);
  if (is_null) return std::nullopt;
  switch (SPI_gettypeid(table_->tupdesc, Attribute(column))) {
    case INT2OID:
      return DatumGetInt16(d);
    case INT4OID:
      return DatumGetInt32(d);
    case INT8OID:
      return DatumGetInt64(d);
    default:
      throw std::logic_error(std::string("column '") + column + "' is not an integer");
  }
}

bool Row::Bool(const char* column) const {
  bool is_null = false;
  const Datum d = Binary(column, &is_null);
  if (is_null) NullIn(column);
  return DatumGetBool(d);
}

std::vector<std::uint8_t> Row::Bytes(const char* column) const {
  bool is_null = false;
  const Datum d = Binary(column, &is_null);
  if (is_null) NullIn(column);
  bytea* value = Call([=] { return DatumGetByteaPP(d); });
  const auto* data = reinterpret_cast<const std::uint8_t*>(VARDATA_ANY(value));
  return std::vector<std::uint8_t>(data, data + VARSIZE_ANY_EXHDR(value));
}

Datum Row::Value(const char* column) const {
  bool is_null = false;
  return Binary(column, &is_null);
}

Datum Row::TransferValue(const char* column) const {
  bool is_null = false;
  const Datum d = Binary(column, &is_null);
  if (is_null) NullIn(column);
  const Oid type = SPI_gettypeid(table_->tupdesc, Attribute(column));
  return Call([=] {
    int16 length;
    bool by_value;
    get_typlenbyval(type, &length, &by_value);
    return SPI_datumTransfer(d, by_value, length);
  });
}

Row Rows::operator[](std::uint64_t i) const {
  if (i >= count_) throw std::out_of_range("SPI row index out of range");
  return Row(table_, i);
}

std::map<std::string, std::string> Rows::TextMap(const char* key, const char* value) const {
  std::map<std::string, std::string> out;
  for (std::uint64_t i = 0; i < count_; ++i) out.emplace((*this)[i].Text(key), (*this)[i].Text(value));
  return out;
}

SPIPlanPtr Statement::Plan() const {
  if (plan_ != nullptr) return plan_;
  const char* sql = sql_;
  const int nargs = static_cast<int>(types_.size());
  Oid* types = const_cast<Oid*>(types_.data());
  plan_ = Call([=] {
    SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
    if (plan == nullptr) {
      elog(ERROR, "txrelay: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
    }
    if (SPI_keepplan(plan) != 0) elog(ERROR, "txrelay: SPI_keepplan failed");
    return plan;
  });
  return plan_;
}

Rows Statement::Run(std::initializer_list<Param> params, long limit) const {
  if (params.size() != types_.size()) {
    throw std::logic_error(std::string("wrong number of parameters for: ") + sql_);
  }
  std::vector<Datum> values;
  std::string nulls;
  std::size_t i = 0;
  for (const Param& p : params) {
    if (p.type != types_[i++]) throw std::logic_error(std::string("parameter type mismatch for: ") + sql_);
    values.push_back(p.value);
    nulls.push_back(p.is_null ? 'n' : ' ');
  }
  SPIPlanPtr plan = Plan();
  Datum* v = values.data();
  const char* n = nulls.c_str();
  const int rc = Call([=] { return SPI_execute_plan(plan, v, n, false, limit); });
  if (rc < 0) throw std::runtime_error(std::string("SPI_execute_plan failed: ") + SPI_result_code_string(rc));
  return Rows(SPI_tuptable, SPI_processed);
}

}  // namespace txrelay::pg
