#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"

namespace txrelay::pg {

namespace {

std::string TextOfDatum(Datum d) {
  auto* t = Call([=] { return DatumGetTextPP(d); });
  return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

}  // namespace

bool Args::IsNull(int i) const { return fcinfo_->args[i].isnull; }

Datum Args::Raw(int i) const { return fcinfo_->args[i].value; }

void Args::RequireNotNull(int i, std::string_view name) const {
  if (IsNull(i)) throw InvalidArgument(name, "must not be null");
}

void Args::RequireStoredSizeAtMost(int i, std::string_view name, std::size_t max_bytes) const {
  const Datum d = Raw(i);
  const auto size = Call([=] { return static_cast<std::size_t>(toast_raw_datum_size(d)); }) - VARHDRSZ;
  CheckArgumentBytes(size, name, max_bytes);
}

std::string Args::Text(int i, std::string_view name, std::size_t max_bytes) const {
  RequireNotNull(i, name);
  RequireStoredSizeAtMost(i, name, max_bytes);
  return TextOfDatum(Raw(i));
}

std::optional<std::string> Args::OptionalText(int i, std::string_view name, std::size_t max_bytes) const {
  if (IsNull(i)) return std::nullopt;
  RequireStoredSizeAtMost(i, name, max_bytes);
  return TextOfDatum(Raw(i));
}

std::int64_t Args::Int64(int i, std::string_view name) const {
  RequireNotNull(i, name);
  return DatumGetInt64(Raw(i));
}

std::optional<std::int64_t> Args::OptionalInt64(int i) const {
  if (IsNull(i)) return std::nullopt;
  return DatumGetInt64(Raw(i));
}

std::int32_t Args::Int32(int i, std::string_view name) const {
  RequireNotNull(i, name);
  return DatumGetInt32(Raw(i));
}

std::string Args::NumericText(int i, std::string_view name) const {
  RequireNotNull(i, name);
  return *OptionalNumericText(i);
}

std::optional<std::string> Args::OptionalNumericText(int i) const {
  if (IsNull(i)) return std::nullopt;
  const Datum d = Raw(i);
  return std::string(Call([=] { return DatumGetCString(DirectFunctionCall1(numeric_out, d)); }));
}

Datum Args::Uuid(int i, std::string_view name) const {
  RequireNotNull(i, name);
  return Raw(i);
}

std::string Args::JsonbObjectText(int i, std::string_view name, std::size_t max_bytes) const {
  RequireNotNull(i, name);
  RequireStoredSizeAtMost(i, name, max_bytes);
  const Datum d = Raw(i);
  std::string text(Call([=] { return DatumGetCString(DirectFunctionCall1(jsonb_out, d)); }));
  CheckJsonObjectText(text, name);
  return text;
}

std::string Args::Bytea(int i, std::string_view name, std::size_t max_bytes) const {
  RequireNotNull(i, name);
  RequireStoredSizeAtMost(i, name, max_bytes);
  return TextOfDatum(Raw(i));
}

std::string TextOfUuid(Datum uuid) {
  return std::string(Call([=] { return DatumGetCString(DirectFunctionCall1(uuid_out, uuid)); }));
}

std::string CanonicalUuid(const std::string& text) {
  const char* c = text.c_str();
  return TextOfUuid(Call([=] { return DirectFunctionCall1(uuid_in, CStringGetDatum(c)); }));
}

}  // namespace txrelay::pg
