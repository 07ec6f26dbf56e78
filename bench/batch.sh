#!/usr/bin/env bash
# Batch payouts: withdrawals requested and approved per second through the single calls
# (request_withdrawal + approve, one withdrawal per transaction: bench/intake/txrelay.pgbench) and
# through the batch calls (request_withdrawals + approve_withdrawals, 100 per transaction:
# bench/intake/batch100.pgbench), in turn, REPS rounds at each client count; the ratio is taken per
# round. Usage: bench/batch.sh   (prints a Markdown section; a throwaway durable cluster, the
# workers off)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
CLIENTS=${CLIENTS:-"1 4"}
REPS=${REPS:-3}
DURATION=${DURATION:-6}
bench_build
trap cluster_stop EXIT
intake_cluster

echo "| clients | what | withdrawals/s min | median | max |"
echo "|---|---|---|---|---|"
for c in $CLIENTS; do
  s="" b=""
  for r in $(seq 1 "$REPS"); do
    log "batch: $c clients, round $r of $REPS"
    s="$s $(pgbench_tps txrelay "$c" "s$c$r")"
    b="$b $(awk -v t="$(pgbench_tps batch100 "$c" "b$c$r")" 'BEGIN {printf "%.1f", t * 100}')"
  done
  echo "| $c | single calls: request_withdrawal + approve | $(stats $s) |"
  echo "| $c | batches of 100: request_withdrawals + approve_withdrawals | $(stats $b) |"
  echo "| $c | ratio batch / single, per round | $(STATS_DIGITS=2 stats $(ratios "$b" "$s")) |"
done
