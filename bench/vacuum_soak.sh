#!/usr/bin/env bash
# The hot tables over a steady load (issue 20): RATE withdrawals a second for MINUTES minutes on
# anvil (one block a second), the workers running throughout; every SAMPLE seconds, for the tables
# the workers churn (outbox, attempts, signature_requests, withdrawals, nonce_reservations), their
# total size, live and dead rows and how often autovacuum and autoanalyze have run. What must hold:
# autovacuum sees the workers' writes (it runs on the outbox, whose rows the workers update twice
# each), and once the load stops autovacuum has caught up: dead rows under half the live ones.
# Usage: bench/vacuum_soak.sh   (MINUTES=60 for the long run; prints a Markdown section)
set -euo pipefail
cd "$(dirname "$0")/.."
export E2E_TRACKER=on
. test/e2e/lib.sh
. bench/lib.sh
MINUTES=${MINUTES:-3}
RATE=${RATE:-10}
SAMPLE=${SAMPLE:-30}
bench_build
trap e2e_teardown EXIT
# Autovacuum at its defaults but looking every 10 s, so that a short run sees it work.
bench_chain_start "autovacuum_naptime = ${NAPTIME:-10s}"
sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
samples=$(mktemp)
TABLES="'outbox', 'attempts', 'signature_requests', 'withdrawals', 'nonce_reservations'"
sample() {  # seconds, then per table: name size_kib live dead autovacuums autoanalyzes
  psql -X -q -At -F ' ' -c "SELECT $1, relname, pg_total_relation_size(relid) / 1024, n_live_tup, n_dead_tup,
                                   autovacuum_count, autoanalyze_count
                              FROM pg_stat_user_tables WHERE schemaname = 'txrelay' AND relname IN ($TABLES)
                             ORDER BY relname" >>"$samples"
}
soak_load "$MINUTES" "$RATE" "$SAMPLE" sample
sleep 15  # the last rounds' statistics, and a nap of autovacuum
sample "$((SOAK_SECONDS + 15))"
completed=$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NOT NULL")
python3 - "$samples" "$MINUTES" "$RATE" "$SOAK_SENT" "$completed" <<'PY'
import collections, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
minutes, rate, sent, completed = sys.argv[2:6]
by_table = collections.defaultdict(list)
for t, name, size, live, dead, av, aa in rows:
    by_table[name].append((int(t), int(size), int(live), int(dead), int(av), int(aa)))
print(f"{sent} withdrawals at {rate}/s over {minutes} min ({completed} completed), sampled every "
      f"{by_table['outbox'][1][0] - by_table['outbox'][0][0] if len(by_table['outbox']) > 1 else 0} s.\n")
print("| table | seconds | total size KiB | live rows | dead rows | dead / live | autovacuums | autoanalyzes |")
print("|---|---|---|---|---|---|---|---|")
for name in sorted(by_table):
    for t, size, live, dead, av, aa in by_table[name]:
        share = f"{dead / live:.2f}" if live else "-"
        print(f"| {name} | {t} | {size} | {live} | {dead} | {share} | {av} | {aa} |")
print()
failures = []
for name, series in sorted(by_table.items()):
    last = series[-1]
    worst = max((d / l) for _, _, l, d, _, _ in series[len(series) // 2:] if l) if any(l for _, _, l, _, _, _ in series) else 0
    print(f"- {name}: {last[2]} live, {last[3]} dead at the end; the highest dead / live share in the second half "
          f"of the run {worst:.2f}; autovacuum ran {last[4]} times, autoanalyze {last[5]} times.")
    if name == "outbox" and last[4] == 0:
        failures.append("autovacuum never ran on the outbox: it does not see the workers' writes")
    # While the load runs a small table's dead share swings with each nap of autovacuum; what must
    # hold is that autovacuum catches up: at the end (load stopped, one nap later) under half.
    if last[2] and last[3] / last[2] > 0.5:
        failures.append(f"{name}: {last[3]} dead rows against {last[2]} live at the end")
print()
print("**" + ("Bounded**: autovacuum sees the workers' writes and has caught up once the load stops."
              if not failures else "NOT bounded**: " + "; ".join(failures)))
sys.exit(1 if failures else 0)
PY
rm -f "$samples"
