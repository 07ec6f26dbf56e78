// A status set (core/status_sets.hpp) as a SQL constant, '{a,b,...}'::text[], for the statements
// of the C++. They embed the constant rather than call txrelay._status_set(): the library also
// runs against the schema of the release before (until ALTER EXTENSION txrelay UPDATE), and the
// constant folds to the very list the partial index predicates hold, so those indexes serve.
#pragma once

#include <string>

#include "core/status_sets.hpp"

namespace txrelay::store {

std::string StatusArraySql(StatusSet set);

}  // namespace txrelay::store
