# Shared helpers of the benchmarks in bench/. Source it; it defines functions only.
# Every benchmark prints its section of docs/benchmarks.md (Markdown) on stdout and its progress
# on stderr; bench/run_all.sh puts the sections into the document.

# stats V1 V2 ...: "min | median | max" of the numbers, rounded to $STATS_DIGITS (default 1).
stats() {
  python3 - "$@" <<'PY'
import os, statistics, sys
v = sorted(float(x) for x in sys.argv[1:])
d = int(os.environ.get("STATS_DIGITS", "1"))
f = lambda x: f"{x:,.{d}f}"
print(f"{f(v[0])} | {f(statistics.median(v))} | {f(v[-1])}" if v else "- | - | -")
PY
}

# ratios "A1 A2 ..." "B1 B2 ...": the pairwise ratios A_i / B_i (same run, same repetition), as a
# space-separated list.
ratios() {
  python3 - "$1" "$2" <<'PY'
import sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
print(" ".join(f"{x / y:.4f}" for x, y in zip(a, b) if y))
PY
}

# median V1 V2 ...: the median alone (for verdicts).
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# verdict VALUE GOAL "what": "met (VALUE ≥ GOAL)" or "missed by X %".
verdict() {
  python3 - "$1" "$2" <<'PY'
import sys
v, g = float(sys.argv[1]), float(sys.argv[2])
print(f"**met** ({v:.2f} ≥ {g:.2f})" if v >= g else f"**missed** ({v:.2f} < {g:.2f}: {100 * (g - v) / g:.0f} % short)")
PY
}

# machine: one line describing the machine and the software, for every section.
machine() {
  local cpu
  cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
  echo "$(date -u +%Y-%m-%d), $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) vCPU ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB, PostgreSQL $("${PG_BINDIR:-/usr/lib/postgresql/15/bin}/postgres" --version | awk '{print $3}'), anvil $("$TXR_ROOT/.tools/bin/anvil" --version 2>/dev/null | head -1 | awk '{print $3}')"
}

# rss_kib PID: the process's resident set size in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# worker_pid NAME: the PID of a txrelay background worker ('txrelay broadcaster', 'txrelay tracker').
worker_pid() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = '$1'"; }

# private_kib PID: the process's private memory in KiB (resident pages not shared with other
# processes: a PostgreSQL process's RSS also counts the shared buffers it has touched, which is
# not its own and grows as it touches more of them).
private_kib() { awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$1/smaps_rollup"; }

# timing SQL [N]: N (default $REPEAT, else 20) runs of the query in one session, "min | median |
# max" in ms (measured inside the server: no client round trip).
timing() {
  psql -X -q -At -v ON_ERROR_STOP=1 -c "CREATE OR REPLACE FUNCTION pg_temp.t() RETURNS text LANGUAGE plpgsql AS \$\$
     DECLARE t0 timestamptz; ms float8[] := '{}'; BEGIN
       FOR i IN 1..${2:-${REPEAT:-20}} LOOP t0 := clock_timestamp(); PERFORM * FROM ($1) x; ms := ms || extract(epoch FROM clock_timestamp() - t0) * 1000; END LOOP;
       RETURN (SELECT format('%s | %s | %s', round(min(v)::numeric, 2), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY v)::numeric, 2), round(max(v)::numeric, 2)) FROM unnest(ms) v);
     END \$\$; SELECT pg_temp.t()" | tail -1
}

# pgbench_tps SCRIPT CLIENTS RUN: one pgbench run of bench/intake/SCRIPT.pgbench for $DURATION
# seconds (prepared statements, synchronous commit as an application has it; RUN makes its keys
# unique), prints the transactions per second.
pgbench_tps() {
  local out script=$1
  [[ $script == */* ]] || script=$TXR_ROOT/bench/intake/$1.pgbench   # a name, or a script's path
  out=$(PGOPTIONS="-c synchronous_commit=on" pgbench -n -M prepared -c "$2" -j "$(( $2 < 2 ? 1 : 2 ))" -T "${DURATION:-6}" \
          -D seq=0 -D run="$3" -f "$script" 2>&1) || { echo "$out" >&2; die "pgbench $1 failed"; }
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out"
}

# The settings of a production-like cluster for the benchmarks that measure commits: durable
# (fsync, full-page writes, synchronous commit on; the tests' clusters turn them off), the
# workers off (no chain), room for 32 pgbench clients.
BENCH_DURABLE_CONF="txrelay.broadcaster_enabled = off
txrelay.tracker_enabled = off
max_connections = 100
fsync = on
full_page_writes = on
synchronous_commit = on"

# bench_chain_start [postgresql.conf lines]: for the benchmarks on a chain (test/e2e/lib.sh sourced
# first): a throwaway cluster with the e2e settings plus these lines and a window of 1,024 nonces
# in flight per sender (the default 16 caps 4 senders at 64 transfers per block); anvil with one
# block a second, finalized = latest - 2, a gas limit of 300M (no round is capped by block space),
# base fee 0, 20 accounts; chain 31337 on anvil directly (its rate limit raised from the default
# 100 requests/s), anvil as the signer, dev accounts 0-3 as senders, 10^21 wei credited to alice.
bench_chain_start() {
  TXR_EXTRA_CONF="$E2E_CONF
txrelay.max_in_flight_per_sender = 1024
${1:-}" cluster_start txrelay_bench >/dev/null 2>&1
  anvil_start --accounts 20 --block-time 1 --slots-in-an-epoch 1 --gas-limit 300000000 --block-base-fee-per-gas 0 2>/dev/null
  {
    sql "CREATE EXTENSION txrelay"
    sql "SELECT txrelay.add_chain(31337, 'anvil')"
    sql "SELECT txrelay.set_rpc_endpoint(txrelay.add_rpc_endpoint(31337, '$ANVIL_URL'), max_requests_per_sec => 100000)"
    sql "SELECT txrelay.add_signer('anvil', '$ANVIL_URL')"
    sql "SELECT txrelay.set_risk_tier('standard', 0, 'finalized')"
    for i in 0 1 2 3; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil')"; done
    sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'bench-funding')"
  } >/dev/null
  wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces" >/dev/null
}

# bench_build: the dependencies, the build and its install, unless BENCH_NO_BUILD is set (run_all.sh
# does it once for all).
bench_build() {
  [ -n "${BENCH_NO_BUILD:-}" ] && return 0
  "$TXR_ROOT/scripts/deps.sh" >/dev/null
  make -C "$TXR_ROOT" -s -j"$(nproc)" >/dev/null && as_root make -C "$TXR_ROOT" -s install >/dev/null
}

# wait_server "boolean SQL expression" SECONDS "what": waits inside one server session (pg_sleep
# between looks) - a psql process started every 100 ms, as test/e2e/lib.sh's wait_for does, costs
# the CPU the benchmark is measuring.
wait_server() {
  psql -X -q -v ON_ERROR_STOP=1 -c "DO \$\$ DECLARE deadline timestamptz := clock_timestamp() + interval '$2 seconds'; BEGIN
      LOOP
        EXIT WHEN ($1);
        IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'timed out after $2 s waiting for: %', '$3'; END IF;
        PERFORM pg_sleep(0.1);
      END LOOP; END \$\$" >/dev/null
}

# soak_load MINUTES RATE SAMPLE FN: RATE withdrawals a second (request + approve, one psql per
# second) for MINUTES minutes, calling `FN seconds_since_start` every SAMPLE seconds; sets
# SOAK_SENT (withdrawals asked) and SOAK_SECONDS (how long it ran).
soak_load() {
  local minutes=$1 rate=$2 every=$3 fn=$4 start=$SECONDS k=0 next=0 t batch t0 left
  while [ $((SECONDS - start)) -lt $((minutes * 60)) ]; do
    t=$((SECONDS - start))
    if [ "$t" -ge "$next" ]; then "$fn" "$t"; next=$((next + every)); log "soak: ${t} s, $k withdrawals"; fi
    batch=""
    for _ in $(seq 1 "$rate"); do
      k=$((k + 1))
      batch+="SELECT txrelay.approve((txrelay.request_withdrawal('soak-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k % 6))]}', $k)).withdrawal_id, gen_random_uuid(), 'soak-pd-$k', 'bench');"
    done
    t0=$(date +%s%N)
    psql -X -q -v ON_ERROR_STOP=1 -c "$batch" >/dev/null
    left=$((1000000000 - ($(date +%s%N) - t0)))
    [ "$left" -gt 0 ] && sleep "0.$(printf '%09d' "$left")"
  done
  SOAK_SENT=$k
  SOAK_SECONDS=$((SECONDS - start))
}

# intake_cluster: a durable throwaway cluster (the workers off) with txrelay and the intake
# benchmarks' schema (bench/intake/schema.sql: the bare and peer tables, a chain, four senders,
# 1,000 funded accounts); stopped by cluster_stop (the caller's trap).
intake_cluster() {
  TXR_EXTRA_CONF="$BENCH_DURABLE_CONF"
  cluster_start txrelay_bench >/dev/null 2>&1
  psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION txrelay" -f "$TXR_ROOT/bench/intake/schema.sql" >/dev/null
  psql -X -q -c "VACUUM ANALYZE" >/dev/null
}
