#include <cstring>
#include <stdexcept>

#include "pg/guard.hpp"
#include "pg/trigger.hpp"

namespace txrelay::pg {

Trigger::Trigger(FunctionCallInfo fcinfo) {
  if (!CALLED_AS_TRIGGER(fcinfo)) throw std::logic_error("function must be called as a trigger");
  data_ = reinterpret_cast<TriggerData*>(fcinfo->context);
}

const char* Trigger::EventName() const {
  if (IsInsert()) return "INSERT";
  if (IsUpdate()) return "UPDATE";
  if (IsDelete()) return "DELETE";
  return "TRUNCATE";
}

std::string Trigger::TableName() const {
  Relation rel = data_->tg_relation;
  return std::string(Call([=] { return SPI_getrelname(rel); }));
}

int Trigger::Column(const char* column) const {
  TupleDesc desc = data_->tg_relation->rd_att;
  const int number = Call([=] { return SPI_fnumber(desc, column); });
  if (number <= 0) throw std::logic_error(std::string("no column ") + column);
  return number;
}

HeapTuple Trigger::NewTuple() const {
  if (IsInsert()) return data_->tg_trigtuple;
  if (IsUpdate()) return data_->tg_newtuple;
  throw std::logic_error("no new row for this trigger event");
}

HeapTuple Trigger::OldTuple() const {
  if (IsUpdate() || IsDelete()) return data_->tg_trigtuple;
  throw std::logic_error("no old row for this trigger event");
}

std::optional<std::string> Trigger::TextOf(HeapTuple tuple, const char* column) const {
  TupleDesc desc = data_->tg_relation->rd_att;
  const int number = Column(column);
  const char* text = Call([=] { return SPI_getvalue(tuple, desc, number); });
  if (text == nullptr) return std::nullopt;
  return std::string(text);
}

std::optional<std::string> Trigger::NewText(const char* column) const { return TextOf(NewTuple(), column); }

std::optional<std::string> Trigger::OldText(const char* column) const { return TextOf(OldTuple(), column); }

Datum Trigger::NewValue(const char* column, bool* is_null) const {
  return SPI_getbinval(NewTuple(), data_->tg_relation->rd_att, Column(column), is_null);
}

bool Trigger::Changed(const char* column) const {
  TupleDesc desc = data_->tg_relation->rd_att;
  const int number = Column(column);
  bool old_null = false;
  bool new_null = false;
  const Datum old_value = SPI_getbinval(OldTuple(), desc, number, &old_null);
  const Datum new_value = SPI_getbinval(NewTuple(), desc, number, &new_null);
  if (old_null || new_null) return old_null != new_null;
  const Form_pg_attribute attr = TupleDescAttr(desc, number - 1);
  if (attr->attlen != -1) return !datumIsEqual(old_value, new_value, attr->attbyval, attr->attlen);
  // Variable length: compare the detoasted bytes, since equal values may be stored differently.
  return Call([=] {
    struct varlena* a = PG_DETOAST_DATUM_PACKED(old_value);
    struct varlena* b = PG_DETOAST_DATUM_PACKED(new_value);
    return VARSIZE_ANY_EXHDR(a) != VARSIZE_ANY_EXHDR(b) ||
           memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) != 0;
  });
}

void Trigger::RegisterTransitionTables() const {
  const int rc = Call([&] { return SPI_register_trigger_data(data_); });
  if (rc != SPI_OK_TD_REGISTER) throw std::logic_error("SPI_register_trigger_data failed");
}

Datum Trigger::ProceedUnchanged() const {
  if (!IsRowLevel()) return PointerGetDatum(nullptr);
  return PointerGetDatum(IsUpdate() ? data_->tg_newtuple : data_->tg_trigtuple);
}

Datum Trigger::ProceedWith(const std::vector<std::pair<const char*, Param>>& replacements) const {
  std::vector<int> columns;
  std::vector<Datum> values;
  std::vector<char> nulls;  // bool array for heap_modify_tuple_by_cols
  for (const auto& [name, param] : replacements) {
    columns.push_back(Column(name));
    values.push_back(param.value);
    nulls.push_back(param.is_null);
  }
  HeapTuple tuple = NewTuple();
  TupleDesc desc = data_->tg_relation->rd_att;
  const int n = static_cast<int>(columns.size());
  int* c = columns.data();
  Datum* v = values.data();
  bool* isnull = reinterpret_cast<bool*>(nulls.data());
  return PointerGetDatum(Call([=] { return heap_modify_tuple_by_cols(tuple, desc, n, c, v, isnull); }));
}

}  // namespace txrelay::pg
