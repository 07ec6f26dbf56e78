#include "pg/arrays.hpp"

#include <memory>
#include <stdexcept>

#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "utils/array.h"  // construct_array, construct_md_array
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

Datum MakeOptionalTextArray(const std::vector<std::optional<std::string>>& items) {
  std::vector<Datum> elements(items.size(), Datum(0));
  // std::vector<bool> has no data(): the nulls live in a plain array.
  std::unique_ptr<bool[]> nulls(new bool[items.size() + 1]);
  for (std::size_t i = 0; i < items.size(); ++i) {
    nulls[i] = !items[i];
    if (nulls[i]) continue;
    const char* data = items[i]->data();
    const int size = static_cast<int>(items[i]->size());
    elements[i] = Call([=] { return PointerGetDatum(cstring_to_text_with_len(data, size)); });
  }
  Datum* values = elements.data();
  bool* null_flags = nulls.get();
  int dims[1] = {static_cast<int>(items.size())};
  int lbs[1] = {1};
  return Call([=, &dims, &lbs] {
    return PointerGetDatum(
        construct_md_array(values, null_flags, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
  });
}

Datum MakeText(const std::string& text) {
  const char* data = text.data();
  const int size = static_cast<int>(text.size());
  return Call([=] { return PointerGetDatum(cstring_to_text_with_len(data, size)); });
}

Param TextArrayParam(const std::vector<std::string>& items) {
  return Param{TEXTARRAYOID, MakeTextArray(items), false};
}

Param OptionalTextArrayParam(const std::vector<std::optional<std::string>>& items) {
  return Param{TEXTARRAYOID, MakeOptionalTextArray(items), false};
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
