#!/usr/bin/env bash
# Cost growth: intake (request_withdrawal + approve under pgbench, 8 clients, 10 % replays) and
# the reads of txrelay.metrics and txrelay.alerts with 10^4, 10^5 and 10^6 withdrawals in the
# tables (STEPS). The first 10,000 are made through the API and settled as the workers would; the
# rest are finished history loaded in bulk (bench/cost_growth/bulk_history.sql); 1,000 stay open
# (half requested, half approved). At each size: REPS intake runs of DURATION s, REPEAT reads of
# each view, and a count by status over every withdrawal (what a view that scanned history pays).
# Usage: bench/cost_growth.sh   (prints a Markdown section; a throwaway durable cluster, no chain)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
STEPS=${STEPS:-"10000 100000 1000000"}
REPS=${REPS:-3}
DURATION=${DURATION:-5}
REPEAT=${REPEAT:-20}
bench_build
TXR_EXTRA_CONF="$BENCH_DURABLE_CONF
maintenance_work_mem = 256MB
max_wal_size = 4GB"
trap cluster_stop EXIT
cluster_start txrelay_bench >/dev/null 2>&1
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION txrelay" -f bench/intake/schema.sql >/dev/null

# The first history through the API: requested and approved, then moved on as the workers would
# (the owner writes what the broadcaster and tracker write), settled, dated two days back.
api_history() {
  local n=$1 lo hi
  for ((lo = 1; lo <= n; lo += 2000)); do
    hi=$((lo + 1999 < n ? lo + 1999 : n))
    q "DO \$\$ DECLARE w uuid; BEGIN
         FOR k IN $lo..$hi LOOP
           w := (txrelay.request_withdrawal('api-' || k, 'u' || (k % 1000 + 1), 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id;
           PERFORM txrelay.approve(w, gen_random_uuid(), 'api-pd-' || k, 'bench');
         END LOOP; END \$\$"
  done
  settle
}
# settle: every approved withdrawal but the open ones moved on to finalized and settled, as the
# workers would (the owner writes what the broadcaster and tracker write), dated two days back.
# One session: the withdrawals moved are kept in a temporary table, so that each step finds them
# by key (the history can be a million rows; withdrawals have no index by account).
settle() {
  psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TEMP TABLE moved AS
  SELECT withdrawal_id, account, amount FROM txrelay.withdrawals WHERE status = 'approved' AND idempotency_key NOT LIKE 'open-%';
UPDATE txrelay.outbox SET status = 'done', done_at = now() WHERE status = 'pending' AND withdrawal_id IN (SELECT withdrawal_id FROM moved);
UPDATE txrelay.withdrawals SET status = 'signed' WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
UPDATE txrelay.withdrawals SET status = 'included' WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
UPDATE txrelay.withdrawals SET status = 'safe' WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
UPDATE txrelay.withdrawals SET status = 'finalized', completed_at = now() WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
-- (spread over 1,000 accounts: a few entries per account's totals row in this transaction)
INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
  SELECT 'COMMIT', account, 1, 'ETH', amount, 21000, withdrawal_id FROM moved ORDER BY account;
ALTER TABLE txrelay.withdrawal_events DISABLE TRIGGER withdrawal_events_append_only;
UPDATE txrelay.withdrawal_events SET created_at = created_at - interval '2 days' WHERE withdrawal_id IN (SELECT withdrawal_id FROM moved);
ALTER TABLE txrelay.withdrawal_events ENABLE ALWAYS TRIGGER withdrawal_events_append_only;
SQL
}
open_work() {
  q "DO \$\$ DECLARE w uuid; BEGIN
       FOR k IN 1..1000 LOOP
         w := (txrelay.request_withdrawal('open-' || k, 'u' || k, 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id;
         IF k % 2 = 0 THEN PERFORM txrelay.approve(w, gen_random_uuid(), 'open-pd-' || k, 'bench'); END IF;
       END LOOP; END \$\$"
}

echo "| withdrawals | what | min | median | max |"
echo "|---|---|---|---|---|"
bulk_done=0
declare -A INTAKE METRICS ROUND
for n in $STEPS; do
  if [ "$bulk_done" = 0 ]; then
    log "cost growth: $n withdrawals through the API"
    api_history "$n"
    open_work
    bulk_done=$n
  else
    log "cost growth: history in bulk up to $n withdrawals"
    psql -X -q -v ON_ERROR_STOP=1 -v from=$((bulk_done + 1)) -v to="$n" -f bench/cost_growth/bulk_history.sql >/dev/null
    bulk_done=$n
  fi
  q "VACUUM ANALYZE" >/dev/null
  total=$(q "SELECT count(*) FROM txrelay.withdrawals")
  events=$(q "SELECT count(*) FROM txrelay.withdrawal_events")
  log "cost growth: measuring at $total withdrawals"
  m=$(timing 'SELECT * FROM txrelay.metrics')
  METRICS[$n]=$(awk -F' [|] ' '{print $2}' <<<"$m")
  echo "| $total ($events events) | SELECT * FROM txrelay.metrics, ms | $m |"
  echo "| $total | SELECT * FROM txrelay.alerts, ms | $(timing 'SELECT * FROM txrelay.alerts') |"
  echo "| $total | count by status over all withdrawals (baseline), ms | $(timing 'SELECT status, count(*) FROM txrelay.withdrawals GROUP BY status') |"
  # A reconciliation run's count of the whole domain: history-long by design (decision 59), so
  # timed 3 times, not 20.
  echo "| $total | a reconciliation run's domain counts (_domain_counts), ms | $(timing 'SELECT txrelay._domain_counts(NULL)' 3) |"
  r=$(timing 'SELECT * FROM txrelay._chains_to_track()')
  ROUND[$n]=$(awk -F' [|] ' '{print $2}' <<<"$r")
  echo "| $total ($(q "SELECT count(*) FROM txrelay.attempts") attempts) | the tracker's question of every round (_chains_to_track), ms | $r |"
  t=""
  for r in $(seq 1 "$REPS"); do t="$t $(pgbench_tps txrelay 8 "g$n-$r")"; done
  INTAKE[$n]=$(median $t)
  echo "| $total | intake, request + approve per second (8 clients) | $(stats $t) |"
  # what the intake runs added joins the history (the views measure the same open work at each size)
  if [ "$n" != "${STEPS##* }" ]; then settle; fi
done
echo
set -- $STEPS
first=$1 last=${!#}
python3 - "${INTAKE[$first]}" "${INTAKE[$last]}" "${METRICS[$first]}" "${METRICS[$last]}" "${ROUND[$first]}" "${ROUND[$last]}" "$first" "$last" <<'PY'
import sys
i1, i2, m1, m2, t1, t2 = map(float, sys.argv[1:7])
a, b = sys.argv[7:9]
print(f"From {int(a):,} to {int(b):,} withdrawals ({int(b) // int(a)}× the history): intake {i1:,.0f} → {i2:,.0f} per second "
      f"({i2 / i1:.2f}×), the metrics read {m1:.1f} → {m2:.1f} ms ({m2 / m1:.2f}×), the tracker's round question "
      f"{t1:.2f} → {t2:.2f} ms (medians).")
PY
