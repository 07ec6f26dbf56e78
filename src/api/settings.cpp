// The settings as the SQL reads them: the alerts' thresholds and the workers' switches come from
// the one table of settings (bgworker/worker_settings.cpp), defaults included, never from a copy.

#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"

using namespace txrelay;

// _setting(name) -> text: the current value of txrelay.<name>, as SHOW prints it ('30min', 'on').
// Calling it loads the library, which defines every setting: without shared_preload_libraries too.
TXRELAY_SQL_FUNCTION(txrelay_setting) {
  const pg::Args args(fcinfo);
  const std::string name = args.Text(0, "name");
  const auto value = pg::CurrentSetting("txrelay." + name);
  if (!value) {
    throw InvalidArgument("name", "is not a txrelay setting",
                          "No setting " + Quote("txrelay." + name) +
                              " exists; the settings are in pg_settings and docs/operations.md.");
  }
  return pg::MakeText(*value);
}
