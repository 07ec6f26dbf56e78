// The entry shim of DESIGN §9 for SQL-callable C++ functions and triggers:
//
//   TXRELAY_SQL_FUNCTION(txrelay_credit) { ... C++ body, may throw ... }
//
// declares the C entry point PostgreSQL calls, runs the body inside try/catch and, once every
// C++ frame of the body is gone, reports what it caught with ereport(ERROR): a PgError is
// re-thrown unchanged (SQLSTATE, message, constraint), a txrelay::Error keeps its SQLSTATE,
// message, detail and hint, anything else is an internal error. No exception reaches PostgreSQL
// and no longjmp crosses a C++ frame that owns resources.
#pragma once

#include "pg/postgres.hpp"

namespace txrelay::pg {

using FunctionBody = Datum (*)(FunctionCallInfo);

// kHide: the function takes a secret (an endpoint's URL). Its errors are reported without the
// statement (errhidestmt), without detail or context, so the server log's STATEMENT line does
// not repeat the secret (decision 69).
enum class StatementLogging { kLog, kHide };

Datum Invoke(FunctionBody body, FunctionCallInfo fcinfo, StatementLogging statement = StatementLogging::kLog);

// The result of a function returning one record (OUT parameters): `values` and `nulls` in the
// order of its result type's columns.
Datum ReturnRecord(FunctionCallInfo fcinfo, const Datum* values, const bool* nulls);

}  // namespace txrelay::pg

#define TXRELAY_SQL_FUNCTION(name)                                                    \
  static Datum name##_body(FunctionCallInfo fcinfo);                                  \
  extern "C" {                                                                        \
  PG_FUNCTION_INFO_V1(name);                                                          \
  Datum name(PG_FUNCTION_ARGS) { return ::txrelay::pg::Invoke(name##_body, fcinfo); } \
  }                                                                                   \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)

// The same for a function taking a secret: its errors never log the statement.
#define TXRELAY_SQL_FUNCTION_TAKING_SECRET(name)                                               \
  static Datum name##_body(FunctionCallInfo fcinfo);                                           \
  extern "C" {                                                                                 \
  PG_FUNCTION_INFO_V1(name);                                                                   \
  Datum name(PG_FUNCTION_ARGS) {                                                               \
    return ::txrelay::pg::Invoke(name##_body, fcinfo, ::txrelay::pg::StatementLogging::kHide); \
  }                                                                                            \
  }                                                                                            \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
