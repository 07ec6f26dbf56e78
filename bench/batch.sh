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

# What the concurrent batches and single calls left must keep every rule: each approved withdrawal
# has one approval and one nonce, each sender's nonces run without a gap up to its counter, and
# the ledger verifies.
problems=$(psql -X -q -At -v ON_ERROR_STOP=1 -c "
  SELECT (SELECT count(*) FROM txrelay.withdrawals w WHERE w.status = 'approved'
            AND ((SELECT count(*) FROM txrelay.nonce_reservations r WHERE r.withdrawal_id = w.withdrawal_id) <> 1
              OR (SELECT count(*) FROM txrelay.approvals a WHERE a.withdrawal_id = w.withdrawal_id) <> 1))
       + (SELECT count(*) FROM txrelay.senders s
           WHERE (SELECT coalesce(max(r.nonce) - min(r.nonce) + 1 - count(*), 0) + coalesce(s.next_nonce - 1 - max(r.nonce), 0)
                    FROM txrelay.nonce_reservations r WHERE r.chain_id = s.chain_id AND r.from_address = s.address) <> 0)
       + (SELECT count(*) FROM txrelay.verify_ledger(true))")
log "batch: the rules after the concurrent rounds: $problems problem(s) (one approval and nonce per approved withdrawal, gap-free senders, the ledger)"
[ "$problems" = 0 ] || die "batch: the concurrent rounds broke a rule ($problems problem(s))"
