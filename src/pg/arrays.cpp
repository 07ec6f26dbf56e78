#include "pg/arrays.hpp"

#include <stdexcept>

#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "utils/array.h"  // construct_array
}

namespace txrelay::pg {

Datum MakeTextArray(const std::vector<std::string>& items) {
  std::vector<Datum> elements;
  elements.reserve(items.size());
  for (const std::string& item : items) {
    const char* data = item.data();
    const int size = static_cast<int>(item.size());
    elements.push_back(Call([=] { return PointerGetDatum(cstring_to_text_with_len(data, size)); }));
  }
  Datum* values = elements.data();
  const int count = static_cast<int>(elements.size());
  return Call(
      [=] { return PointerGetDatum(construct_array(values, count, TEXTOID, -1, false, TYPALIGN_INT)); });
}

Datum MakeText(const std::string& text) {
  const char* data = text.data();
  const int size = static_cast<int>(text.size());
  return Call([=] { return PointerGetDatum(cstring_to_text_with_len(data, size)); });
}

Param TextArrayParam(const std::vector<std::string>& items) {
  return Param{TEXTARRAYOID, MakeTextArray(items), false};
}

std::vector<std::string> TextArrayItems(Datum array) {
  Datum* values = nullptr;
  bool* nulls = nullptr;
  int count = 0;
  Call([&] {
    deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
  });
  std::vector<std::string> items;
  items.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    if (nulls[i]) throw std::logic_error("a text[] of a batch holds a NULL");
    const Datum v = values[i];
    auto* t = Call([=] { return DatumGetTextPP(v); });
    items.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
  }
  return items;
}

}  // namespace txrelay::pg
