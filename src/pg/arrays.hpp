// PostgreSQL arrays built from C++ values, in the current memory context.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/postgres.hpp"

namespace txrelay::pg {

// A text[] of `items` (an empty array when there are none).
// A text value in the caller's memory context.
Datum MakeText(const std::string& text);

Datum MakeTextArray(const std::vector<std::string>& items);

// A text[] whose items may be NULL (std::nullopt).
Datum MakeOptionalTextArray(const std::vector<std::optional<std::string>>& items);

// The items of a text[] value (std::logic_error on a NULL item).
std::vector<std::string> TextArrayItems(Datum array);

}  // namespace txrelay::pg
