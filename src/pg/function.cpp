#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/error.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"

namespace txrelay::pg {

namespace {

// Fixed buffers: reporting must not allocate while an exception is being handled.
struct Report {
  char sqlstate[6] = "XX000";
  char message[1024] = "";
  char detail[2048] = "";
  char hint[1024] = "";
};

void CopyText(char* to, std::size_t size, const char* from) {
  const std::size_t n = std::min(std::strlen(from), size - 1);
  std::memcpy(to, from, n);
  to[n] = '\0';
}

}  // namespace

Datum Invoke(FunctionBody body, FunctionCallInfo fcinfo, StatementLogging statement) {
  detail::ResetErrorCaught();
  ErrorData* pg_error = nullptr;
  Report report;
  try {
    return body(fcinfo);
  } catch (const PgError& e) {
    pg_error = e.data();
  } catch (const Error& e) {
    if (e.sqlstate().size() == 5) CopyText(report.sqlstate, sizeof report.sqlstate, e.sqlstate().c_str());
    CopyText(report.message, sizeof report.message, e.what());
    CopyText(report.detail, sizeof report.detail, e.detail().c_str());
    CopyText(report.hint, sizeof report.hint, e.hint().c_str());
  } catch (const std::bad_alloc&) {
    CopyText(report.sqlstate, sizeof report.sqlstate, "53200");
    CopyText(report.message, sizeof report.message, "out of memory in txrelay");
  } catch (const std::exception& e) {
    CopyText(report.message, sizeof report.message, "txrelay internal error: ");
    std::strncat(report.message, e.what(), sizeof report.message - std::strlen(report.message) - 1);
  } catch (...) {
    CopyText(report.message, sizeof report.message, "txrelay internal error: unknown exception");
  }
  // Every C++ frame of the body has been unwound; only plain buffers remain.
  const bool hide = statement == StatementLogging::kHide;
  if (pg_error != nullptr) {
    if (hide) {  // a constraint's detail or a query's context could quote the secret
      pg_error->hide_stmt = true;
      pg_error->hide_ctx = true;
      pg_error->detail = pg_error->detail_log = pg_error->context = pg_error->internalquery = nullptr;
    }
    ReThrowError(pg_error);
  }
  const char* s = report.sqlstate;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])), errmsg_internal("%s", report.message),
                  report.detail[0] ? errdetail_internal("%s", report.detail) : 0,
                  report.hint[0] ? errhint("%s", report.hint) : 0, hide ? errhidestmt(true) : 0,
                  hide ? errhidecontext(true) : 0));
  pg_unreachable();
}

Datum ReturnRecord(FunctionCallInfo fcinfo, const Datum* values, const bool* nulls) {
  return Call([=] {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
      elog(ERROR, "a function returning a record was called without a composite result type");
    }
    desc = BlessTupleDesc(desc);
    return HeapTupleGetDatum(heap_form_tuple(desc, const_cast<Datum*>(values), const_cast<bool*>(nulls)));
  });
}

}  // namespace txrelay::pg
