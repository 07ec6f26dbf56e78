#!/usr/bin/env bash
# Every test of txrelay, from a fresh Debian 12 machine: installs what is missing, builds with
# warnings as errors, runs the pure C++ unit tests (CTest), checks the transaction vectors
# against cast, fuzzes the decoder for a minute, installs the extension, starts a
# throwaway PostgreSQL 15 cluster and runs the pgTAP suite with pg_prove, then checks that the
# docs match the code. Stops and removes the cluster on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh

./scripts/deps.sh

log "building txrelay.so (warnings are errors)"
make -s -j"$(nproc)" TXRELAY_WERROR=1 >/dev/null
log "unit tests (CTest)"
make -s unit 2>&1 | tail -n 3
log "transaction vectors are what cast makes"
./test/vectors/generate.sh --check
log "fuzzing the transaction decoder for ${FUZZ_SECONDS:-60} s (ASan + UBSan)"
./test/fuzz/run.sh

as_root make -s install >/dev/null

trap cluster_stop EXIT
cluster_start txrelay_test
psql -X -q -v ON_ERROR_STOP=1 \
  -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION dblink' -c 'CREATE EXTENSION txrelay' \
  -f test/sql/helpers.sql -f test/sql/signed_fixtures.sql >/dev/null

log "pgTAP suite (pg_prove)"
PGOPTIONS="-c client_min_messages=warning" pg_prove -Q --failures test/pgtap/*.sql

log "docs match the code"
./test/docs_match.sh

log "all tests passed"
