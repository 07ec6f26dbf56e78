// Included last by every header of src/core: the core is plain C++ and must build, be tested and
// be fuzzed without a PostgreSQL server (DESIGN §9, §10).
#pragma once
#ifdef POSTGRES_H
#error "src/core must not see PostgreSQL headers; reach PostgreSQL through src/pg"
#endif
