// _pays(to_address, from_address, value, data) -> boolean: core's PaysRecipient for the SQL
// checks (a payment mined after its withdrawal's money was released).

#include "core/payment_call.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"

using namespace txrelay;

TXRELAY_SQL_FUNCTION(txrelay_pays) {
  const pg::Args args(fcinfo);
  const std::string data = args.Bytea(3, "data");
  return BoolGetDatum(PaysRecipient(args.Text(0, "to_address"), args.Text(1, "from_address"),
                                    args.NumericText(2, "value"), data.size()));
}
