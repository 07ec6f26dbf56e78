// PostgreSQL's Datum without PostgreSQL's headers, for headers that only hand values through
// (src/store returns whole rows to the API functions): a machine word, declared exactly as
// postgres.h declares it, so that the two declarations agree. Files that include this header may
// include core headers after it (core/cpp_only.hpp refuses them after postgres.h).
#pragma once

#include <cstdint>

typedef uintptr_t Datum;
