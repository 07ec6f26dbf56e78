#!/usr/bin/env bash
# Every test of txrelay, from a fresh Debian 12 machine: installs what is missing, builds with
# warnings as errors, checks the house rules (test/lint.sh) and the release line (released
# scripts frozen, the install script built from its source set, upgrade paths), runs the pure C++
# unit tests (make unit), checks the transaction vectors against cast, fuzzes the decoder for
# half a minute, builds the Debian package (make deb) and installs the extension from it with apt-get,
# starts a throwaway PostgreSQL 15 cluster and runs the pgTAP
# suite (make installcheck), checks that the docs match the code, fuzzes the whole SQL surface
# for half a minute, then runs the end-to-end tests against a real anvil node (make e2e: workers,
# faults injected by a proxy, kill -9, and the upgrade from the last release with the workers
# running; the monitoring stack and PgBouncer among them), the package upgrade from the last
# release with apt, the chaos soak, the failover test and the benchmarks at their smallest. Every server
# started is stopped by its PID, and every server log is scanned for the tests' secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh

./scripts/deps.sh

# Every server log of every test is scanned for the tests' secrets when its cluster stops.
TXR_SECRET_REPORT=$(mktemp /tmp/txrelay-secret-report.XXXXXX)
export TXR_SECRET_REPORT

log "building txrelay.so (warnings are errors) and the install script"
use_ccache
make -s -j"$(nproc)" TXRELAY_WERROR=1 >/dev/null
log "release line: released scripts frozen, the install script is its source set, upgrade paths, one version"
./test/release/check_release.sh | grep -v '^ok '
# The released package, for the package upgrade test, is built meanwhile at the lowest priority:
# it takes what the builds and the single-CPU stages (fuzzers, pgTAP) leave, not the e2e tests'.
deb_old_version=$(sed -nE 's/^[0-9a-f]{64}  sql\/txrelay--(.+)\.sql$/\1/p' sql/released.sha256 | sort -V | tail -1)
deb_old_ref=v$deb_old_version
git rev-parse -q --verify "$deb_old_ref^{commit}" >/dev/null ||
  deb_old_ref=$(awk -v v="$deb_old_version" '$1 == v {print $2}' test/package/released_commits)
nice -n 19 ./scripts/deb.sh "$deb_old_ref" >/tmp/txrelay-deb-old.$$.log 2>&1 &
deb_old_pid=$!
log "house rules: clang-format, one writer (src/store), status sets, include directions, function lengths"
./test/lint.sh
log "unit tests (CTest)"
make -s unit 2>&1 | tail -n 3
log "transaction vectors are what cast makes"
./test/vectors/generate.sh --check
# Half a minute each here (make fuzz and test/fuzz/*.sh default to a minute and longer runs).
export FUZZ_SECONDS=${FUZZ_SECONDS:-30} SQL_FUZZ_SECONDS=${SQL_FUZZ_SECONDS:-30}
log "fuzzing the transaction decoder and the node-answer parsers for $FUZZ_SECONDS s (ASan + UBSan)"
./test/fuzz/run.sh

log "the Debian package (make deb: debhelper, pg_buildext, lintian), installed with apt-get in place of make install"
make -s deb
deb_new=$(ls dist/postgresql-15-txrelay_"$(sed -n 's/^EXTVERSION *= *//p' Makefile)"-*_amd64.deb)
./test/package/install.sh "$deb_new"

trap cluster_stop EXIT
# The pgTAP suite tests the SQL side alone: the broadcaster stays off in this cluster (the
# end-to-end tests below run it against a real node).
TXR_EXTRA_CONF=$'txrelay.broadcaster_enabled = off\ntxrelay.tracker_enabled = off' cluster_start txrelay_test

log "pgTAP suite (make installcheck: pg_prove)"
make -s installcheck

log "docs match the code"
./test/docs_match.sh

log "fuzzing the whole SQL surface for $SQL_FUZZ_SECONDS s (our hostile-call generator, then sqlsmith)"
./test/fuzz/sql_surface.sh
cluster_stop
trap - EXIT

log "end-to-end tests on anvil (make e2e: workers, RPC gateway, faults, kill -9; the upgrade from the last release)"
make -s e2e

log "the package upgrade with apt, $deb_old_version to this version, workers running (test/package/upgrade.sh)"
wait "$deb_old_pid" || { cat /tmp/txrelay-deb-old.$$.log; die "building the $deb_old_version package failed"; }
rm -f /tmp/txrelay-deb-old.$$.log
./test/package/upgrade.sh dist/postgresql-15-txrelay_"$deb_old_version"-*_amd64.deb "$deb_new" > /tmp/txrelay-pkg.$$.log 2>&1 ||
  { cat /tmp/txrelay-pkg.$$.log; exit 1; }
grep -E '^# [0-9]+ checks' /tmp/txrelay-pkg.$$.log
rm -f /tmp/txrelay-pkg.$$.log

log "chaos soak, short (60 withdrawals under kill -9, postmaster kills, proxy faults, reorgs, drops; the full run: docs/chaos.md)"
./test/chaos/soak.sh > /tmp/txrelay-soak.$$.log 2>&1 || { grep -vE 'WARNING|DETAIL|HINT|FATAL|psql' /tmp/txrelay-soak.$$.log | tail -50; echo '# the last lines, unfiltered:'; tail -10 /tmp/txrelay-soak.$$.log; exit 1; }
grep -E '^(# soak|# faults|# [0-9]+ checks|# [0-9]+ of [0-9]+ withdrawals)' /tmp/txrelay-soak.$$.log
rm -f /tmp/txrelay-soak.$$.log

log "failover, short (Patroni on etcd v2, 3 nodes: 3 leader kills, a leader paused past its lease, a leader cut off by a network partition, under load; the full run: docs/chaos.md)"
HA_FAULTS="kill:3 pause:1 partition:1" ./test/ha/failover.sh > /tmp/txrelay-ha.$$.log 2>&1 || { tail -60 /tmp/txrelay-ha.$$.log; exit 1; }
grep -E '^# [0-9]+ (x|checks)|^# after' /tmp/txrelay-ha.$$.log
rm -f /tmp/txrelay-ha.$$.log

log "benchmark scripts at their smallest (they must run and their own checks pass; the figures: make bench)"
export BENCH_NO_BUILD=1
CLIENTS=2 REPS=1 DURATION=1 ABLATE=2 ./bench/intake.sh >/dev/null
CLIENTS="1 4" REPS=1 DURATION=1 ./bench/batch.sh >/dev/null
N=100 REPS=1 PACED=10 PROFILE=0 ./bench/pipeline.sh >/dev/null
STEPS="2000 4000" REPS=1 DURATION=1 REPEAT=2 ./bench/cost_growth.sh >/dev/null
SIZES=10485760 ./bench/hostile_args.sh >/dev/null
unset BENCH_NO_BUILD

log "no test secret in any server log of the run"
leaks=$(grep -c '^leak' "$TXR_SECRET_REPORT" || true)
scanned=$(wc -l <"$TXR_SECRET_REPORT")
[ "$scanned" -ge 10 ] || die "only $scanned server logs were scanned for secrets: the scan is not wired in"
[ "$leaks" -eq 0 ] || { grep '^leak' "$TXR_SECRET_REPORT"; die "$leaks server log(s) held a test secret"; }
echo "# $scanned server logs scanned ($(awk '{s += $2} END {print s}' "$TXR_SECRET_REPORT") bytes), none holds a test secret"
rm -f "$TXR_SECRET_REPORT"

log "all tests passed"
