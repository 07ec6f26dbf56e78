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
settle() {
  local w="idempotency_key NOT LIKE 'open-%'"
  q "UPDATE txrelay.outbox o SET status = 'done', done_at = now() FROM txrelay.withdrawals w
      WHERE o.status = 'pending' AND w.withdrawal_id = o.withdrawal_id AND w.$w;
     UPDATE txrelay.withdrawals SET status = 'signed' WHERE status = 'approved' AND $w;
     UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE status = 'signed' AND $w;
     UPDATE txrelay.withdrawals SET status = 'included' WHERE status = 'broadcasted' AND $w;
     UPDATE txrelay.withdrawals SET status = 'safe' WHERE status = 'included' AND $w;
     UPDATE txrelay.withdrawals SET status = 'finalized', completed_at = now() WHERE status = 'safe' AND $w" >/dev/null
  # COMMIT entries account by account (a transaction's own versions of one account's totals row
  # pile up until it commits: one transaction per account keeps that short).
  q "SELECT 'INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
             SELECT ''COMMIT'', w.account, 1, ''ETH'', w.amount, 21000, w.withdrawal_id FROM txrelay.withdrawals w
              WHERE w.status = ''finalized'' AND w.account = ' || quote_literal(account) || '
                AND NOT EXISTS (SELECT FROM txrelay.ledger_entries c WHERE c.withdrawal_id = w.withdrawal_id AND c.kind = ''COMMIT'');'
       FROM (SELECT DISTINCT account FROM txrelay.withdrawals WHERE status = 'finalized' AND account LIKE 'u%') a" |
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null
  q "ALTER TABLE txrelay.withdrawal_events DISABLE TRIGGER withdrawal_events_append_only;
     UPDATE txrelay.withdrawal_events SET created_at = created_at - interval '2 days' WHERE created_at > now() - interval '1 day'
        AND withdrawal_id IN (SELECT withdrawal_id FROM txrelay.withdrawals WHERE status = 'finalized');
     ALTER TABLE txrelay.withdrawal_events ENABLE ALWAYS TRIGGER withdrawal_events_append_only" >/dev/null
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
declare -A INTAKE METRICS
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
  t=""
  for r in $(seq 1 "$REPS"); do t="$t $(pgbench_tps txrelay 8 "g$n-$r")"; done
  INTAKE[$n]=$(median $t)
  echo "| $total | intake, request + approve per second (8 clients) | $(stats $t) |"
  settle   # what the intake runs added joins the history (the views measure 1,000 open at each size)
done
echo
set -- $STEPS
first=$1 last=${!#}
python3 - "${INTAKE[$first]}" "${INTAKE[$last]}" "${METRICS[$first]}" "${METRICS[$last]}" "$first" "$last" <<'PY'
import sys
i1, i2, m1, m2 = map(float, sys.argv[1:5])
a, b = sys.argv[5:7]
print(f"From {int(a):,} to {int(b):,} withdrawals ({int(b) // int(a)}× the history): intake {i1:,.0f} → {i2:,.0f} per second "
      f"({i2 / i1:.2f}×), the metrics read {m1:.1f} → {m2:.1f} ms ({m2 / m1:.2f}×) (medians).")
PY
