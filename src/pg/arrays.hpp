// PostgreSQL arrays built from C++ values, in the current memory context.
#pragma once

#include <string>
#include <vector>

#include "pg/postgres.hpp"

namespace txrelay::pg {

// A text[] of `items` (an empty array when there are none).
// A text value in the caller's memory context.
Datum MakeText(const std::string& text);

Datum MakeTextArray(const std::vector<std::string>& items);

}  // namespace txrelay::pg
