#include "store/status_sql.hpp"

namespace txrelay::store {

std::string StatusArraySql(StatusSet set) {
  // Status names are [a-z_] only: nothing to quote or escape.
  std::string out = "'{";
  for (WithdrawalStatus s : Statuses(set)) out += (out.size() > 2 ? "," : "") + std::string(Name(s));
  return out + "}'::text[]";
}

}  // namespace txrelay::store
