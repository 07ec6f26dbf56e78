// Included last by every header of src/core: the core is plain C++ and must build, be tested and
// be fuzzed without a PostgreSQL server (DESIGN §9, §10), and no PostgreSQL macro may reach it in
// a file that includes both. No include guard on purpose: each core header checks, so a core
// header included after postgres.h stops the build wherever it is (src/store headers use
// pg/datum.hpp, not postgres.h, so that they can come before core headers too).
#ifdef POSTGRES_H
#error "src/core must not see PostgreSQL headers; reach PostgreSQL through src/pg"
#endif
