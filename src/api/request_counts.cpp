// _request_counts() -> (new_requests, replays, conflicts): request_withdrawal() calls since the
// server started, by outcome, for txrelay.metrics (the idempotent-replay rate). NULLs when the
// library was not preloaded (no shared memory to count in).

#include "pg/function.hpp"
#include "pg/request_counters.hpp"

using namespace txrelay;

TXRELAY_SQL_FUNCTION(txrelay_request_counts) {
  Datum values[pg::kRequestOutcomes];
  bool nulls[pg::kRequestOutcomes];
  const auto counts = pg::ReadRequestCounters();
  for (int i = 0; i < pg::kRequestOutcomes; ++i) {
    nulls[i] = !counts;
    values[i] = counts ? Int64GetDatum(static_cast<std::int64_t>((*counts)[i])) : Datum(0);
  }
  return pg::ReturnRecord(fcinfo, values, nulls);
}
