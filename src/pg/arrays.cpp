#include "pg/arrays.hpp"

#include "pg/guard.hpp"

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

}  // namespace txrelay::pg
