# PGXS build of txrelay.so from src/ and bgworker/ (C++17) and of the install script from sql/src/,
# plus the project's test targets.
EXTENSION   = txrelay
EXTVERSION  = 0.2.0
MODULE_big  = txrelay
SRCS        = $(wildcard src/*.cpp src/core/*.cpp src/core/*/*.cpp src/pg/*.cpp src/store/*.cpp src/api/*.cpp bgworker/*.cpp)
OBJS        = $(SRCS:.cpp=.o)
# The install script of this version is built from the source set (sql/src/*.sql, concatenated in
# name order); the frozen scripts of released versions and every upgrade script are installed as
# they are. The filter keeps the built script out of DATA when it exists.
SQL_SOURCES = $(sort $(wildcard sql/src/*.sql))
INSTALL_SQL = sql/$(EXTENSION)--$(EXTVERSION).sql
# Upgrade scripts not yet released are built from sql/upgrade/ (scripts/sql_include.sh expands
# their "-- @include sql/src/FILE" lines); released ones are frozen files in sql/.
UPGRADE_SRC = $(wildcard sql/upgrade/$(EXTENSION)--*--*.sql)
UPGRADE_SQL = $(patsubst sql/upgrade/%,sql/%,$(UPGRADE_SRC))
DATA_built  = $(INSTALL_SQL) $(UPGRADE_SQL)
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))
EXTRA_CLEAN = $(DATA_built)

PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -Isrc
# Warnings are errors: the build must stay clean (TXRELAY_WERROR=0 to relax while hacking).
TXRELAY_WERROR ?= 1
# -Wno-register: PostgreSQL 15's headers use the C keyword 'register', which C++17 removed.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-cast-function-type -Wno-register $(if $(filter 1,$(TXRELAY_WERROR)),-Werror)
SHLIB_LINK  = -lstdc++ -lcryptopp -lsecp256k1 -lcurl

# Track header dependencies (PGXS writes .deps/*.Po), so that a changed header rebuilds its users.
override autodepend = yes

# No LLVM bitcode for JIT inlining: it would need clang++ for C++ sources and buys nothing here.
override with_llvm = no

# installcheck is the pgTAP suite below, not PGXS's pg_regress run of REGRESS.
NO_INSTALLCHECK = 1

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rebuilt when a source changes, or when one is added or removed (the directory's time).
$(INSTALL_SQL): $(SQL_SOURCES) sql/src
	cat $(SQL_SOURCES) > $@.tmp && mv $@.tmp $@

sql/$(EXTENSION)--%.sql: sql/upgrade/$(EXTENSION)--%.sql $(SQL_SOURCES) scripts/sql_include.sh
	./scripts/sql_include.sh $< > $@.tmp && mv $@.tmp $@

.PHONY: unit
unit:
	cmake -S . -B build/unit -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build/unit -j2
	cd build/unit && ctest --output-on-failure

# The pgTAP suite (test/pgtap, pg_prove) against the installed extension, on the server and in the
# database of the PG* environment (PGHOST, PGPORT, PGUSER, PGDATABASE), as PGXS's installcheck
# would: first pgtap, dblink, txrelay and the fixtures of test/sql/, in one transaction, so the
# database must not hold them yet (createdb a new one). The server must preload txrelay with its
# workers off, as scripts/test.sh's cluster does (the suite makes the workers' states itself).
# PGTAP="test/pgtap/060_withdrawal_flow.sql" runs only those files.
#   shared_preload_libraries = 'pg_cron,txrelay'
#   txrelay.broadcaster_enabled = off
#   txrelay.tracker_enabled = off
.PHONY: installcheck
installcheck:
	psql -X -q -1 -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION dblink' \
	  -c 'CREATE EXTENSION txrelay' -f test/sql/helpers.sql -f test/sql/signed_fixtures.sql >/dev/null
	PGOPTIONS="-c client_min_messages=warning" pg_prove -Q --failures $(or $(PGTAP),test/pgtap/*.sql)

# The end-to-end tests on anvil (test/e2e/run_all.sh), the upgrade test (test/upgrade) last,
# against the installed extension: each starts its own throwaway cluster with the workers, node
# and proxy on free loopback ports, two at a time (E2E_JOBS; those that bound a time run alone).
# E2E="tracker_flow ../upgrade/upgrade" runs only those.
.PHONY: e2e
e2e:
	./test/e2e/run_all.sh $(E2E)

# The fuzzers (clang, ASan + UBSan): the transaction decoder and the node-answer parsers, FUZZ_SECONDS
# between them, on the committed seed corpora.
.PHONY: fuzz
fuzz:
	./test/fuzz/run.sh

# The Debian package postgresql-15-txrelay (debian/, pg_buildext) into dist/, lintian-clean at error
# level; DEB_REF=v0.1.0 builds a released version's package (scripts/deb.sh).
.PHONY: deb
deb:
	./scripts/deb.sh $(DEB_REF)

# Every benchmark (bench/run_all.sh): rewrites docs/benchmarks.md; about 18 minutes on 2 cores.
.PHONY: bench
bench:
	./bench/run_all.sh
