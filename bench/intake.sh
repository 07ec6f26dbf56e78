#!/usr/bin/env bash
# Intake: withdrawals accepted per second through txrelay.request_withdrawal + approve under
# pgbench with 1, 8 and 32 clients and 10 % idempotent replays, beside in the same run
#   the limit  a bare single-row INSERT with a unique key (bench/intake/bare.pgbench)
#   the peer   the same job as an application's multi-statement transaction (peer.pgbench)
# The three run in turn, REPS times at each client count, DURATION seconds each; ratios are
# taken per repetition (txrelay / bare and txrelay / peer of the same round).
# Usage: bench/intake.sh   (prints a Markdown section; a throwaway cluster, the workers off)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
CLIENTS=${CLIENTS:-"1 8 32"}
REPS=${REPS:-3}
DURATION=${DURATION:-6}
bench_build
TXR_EXTRA_CONF="$BENCH_DURABLE_CONF"
trap cluster_stop EXIT
cluster_start txrelay_bench >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION txrelay" -f bench/intake/schema.sql >/dev/null
psql -X -q -c "VACUUM ANALYZE" >/dev/null

echo "| clients | what | tps min | median | max |"
echo "|---|---|---|---|---|"
declare -A SUMMARY
for c in $CLIENTS; do
  b="" p="" t=""
  for r in $(seq 1 "$REPS"); do
    log "intake: $c clients, round $r of $REPS"
    b="$b $(pgbench_tps bare "$c" "b$c$r")"
    p="$p $(pgbench_tps peer "$c" "p$c$r")"
    t="$t $(pgbench_tps txrelay "$c" "t$c$r")"
  done
  echo "| $c | bare INSERT (limit) | $(stats $b) |"
  echo "| $c | multi-statement client transaction (peer) | $(stats $p) |"
  echo "| $c | txrelay request_withdrawal + approve | $(stats $t) |"
  STATS_DIGITS=2
  echo "| $c | ratio txrelay / bare, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$b")) |"
  echo "| $c | ratio txrelay / peer, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$p")) |"
  STATS_DIGITS=1
  SUMMARY[$c]="$(median $(ratios "$t" "$b")) $(median $(ratios "$t" "$p"))"
done
echo
if [ -n "${SUMMARY[8]:-}" ]; then
  read -r vs_bare vs_peer <<<"${SUMMARY[8]}"
  echo "Goals at 8 clients (medians of the per-round ratios): txrelay ≥ 0.5 × the bare insert: $(verdict "$vs_bare" 0.5);"
  echo "txrelay ≥ 2 × the multi-statement peer: $(verdict "$vs_peer" 2)."
fi
echo
echo "Rows written in this run: $(psql -X -At -c "SELECT (SELECT count(*) FROM txrelay.withdrawals) || ' txrelay withdrawals, ' || (SELECT count(*) FROM peer.withdrawals) || ' peer withdrawals, ' || (SELECT count(*) FROM bare.requests) || ' bare rows'")."
