// What the installed schema has: a 0.2.0 library's workers run on a 0.1.0 schema until someone
// runs ALTER EXTENSION txrelay UPDATE (bgworker/schema_versions.hpp), so a table new in 0.2.0 is
// looked for before it is read or written.
#pragma once

namespace txrelay::store {

// Whether the table (schema-qualified, "txrelay.name") exists.
bool TablePresent(const char* qualified_name);

// Whether the function (schema-qualified, with its argument types) exists.
bool FunctionPresent(const char* signature);

}  // namespace txrelay::store
