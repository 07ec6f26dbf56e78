#include "api/batch_failure.hpp"

#include "pg/function.hpp"

namespace txrelay::api {

int batch_failed_at = -1;

}  // namespace txrelay::api

// _batch_failed_at() -> int: the element the last batch call of this session failed on.
TXRELAY_SQL_FUNCTION(txrelay_batch_failed_at) { return Int32GetDatum(txrelay::api::batch_failed_at); }
