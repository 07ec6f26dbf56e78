#!/usr/bin/env bash
# Fuzzes the whole SQL surface for SQL_FUZZ_SECONDS (default 60) against the test cluster of the
# PG* environment (pgTAP helpers installed): two thirds with our own generator of hostile calls
# (test/fuzz/sql_surface.py: every public function, every argument type's hostile values, every
# role; documented SQLSTATEs only, nothing written by a refusal, no hang, the ledger verifies),
# one third with sqlsmith (random SQL over everything a txrelay login can see: the server must
# never crash).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
seconds=${SQL_FUZZ_SECONDS:-60}
ours=$((seconds * 2 / 3)) smith=$((seconds - seconds * 2 / 3))
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT txrelay_test.fixture(90)" \
  -c "SELECT txrelay.request_withdrawal('fuzz-base', 'alice', 90, 'ETH', txrelay_test.dev(2), 1)" >/dev/null
python3 test/fuzz/sql_surface.py "$ours" "${SQL_FUZZ_SEED:-$RANDOM}"

server_log=$(psql -X -At -c "SELECT current_setting('data_directory')")/../server.log
started=$(psql -X -At -c "SELECT pg_postmaster_start_time()")
PGOPTIONS="-c client_min_messages=warning" psql -X -q -c "DROP ROLE IF EXISTS txrelay_fuzz_login" \
  -c "CREATE ROLE txrelay_fuzz_login LOGIN IN ROLE txrelay_operator, txrelay_app, txrelay_auditor, txrelay_approver" \
  -c "ALTER ROLE txrelay_fuzz_login SET statement_timeout = '2s'" >/dev/null
out=$(cd /tmp && timeout "$smith" sqlsmith --target="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=txrelay_fuzz_login" \
        --seed="${SQL_FUZZ_SEED:-$RANDOM}" --exclude-catalog --verbose 2>&1 || true)
queries=$(grep -E '^[.eCSt]+$' <<<"$out" | tr -d '\n' | wc -c)  # one character per query
[ "$(psql -X -At -c "SELECT pg_postmaster_start_time()")" = "$started" ] || die "sqlsmith: the server restarted"
if grep -qE 'terminated by signal|was terminated by|server process .* exited with exit code' "$server_log" 2>/dev/null; then
  grep -E 'terminated by signal|was terminated by|exited with exit code' "$server_log" | tail -5
  die "sqlsmith: a backend crashed"
fi
[ "$queries" -ge 100 ] || die "sqlsmith ran only $queries queries: $(tail -5 <<<"$out")"
echo "# sqlsmith: $queries random queries as a txrelay login in ${smith} s, the server never crashed"
psql -X -q -c "DROP OWNED BY txrelay_fuzz_login" -c "DROP ROLE txrelay_fuzz_login" >/dev/null
