// The one place txrelay includes PostgreSQL's C headers (DESIGN §9, §10). Include it after every
// standard and third-party header: PostgreSQL's port.h redefines printf-family names as macros.
#pragma once

extern "C" {
#include "postgres.h"  // must come first among PostgreSQL headers

#include "access/detoast.h"       // toast_raw_datum_size: an argument's size before detoasting
#include "access/htup_details.h"  // heap_getattr, heap_modify_tuple_by_cols
#include "access/xact.h"          // transaction callbacks
#include "catalog/pg_type.h"      // type OIDs for SPI parameters
#include "commands/trigger.h"     // TriggerData
#include "executor/spi.h"         // SPI
#include "fmgr.h"                 // PG_FUNCTION_ARGS
#include "funcapi.h"              // set-returning functions
#include "miscadmin.h"            // MyProcPid, CHECK_FOR_INTERRUPTS
#include "utils/builtins.h"       // text conversions, output functions
#include "utils/datum.h"          // datumIsEqual
#include "utils/jsonb.h"          // jsonb layout
#include "utils/lsyscache.h"      // get_typlenbyval
#include "utils/memutils.h"       // memory contexts
#include "utils/timestamp.h"      // TimestampTz
#include "utils/uuid.h"           // pg_uuid_t
}

// port.h turns these into macros for pg_* replacements; C++ code in txrelay uses the standard
// library ones, and PostgreSQL's own formatting is reached only through ereport.
#undef printf
#undef fprintf
#undef sprintf
#undef snprintf
#undef vsnprintf
#undef vfprintf
