#!/usr/bin/env bash
# Cost of reading txrelay.metrics and txrelay.alerts as history grows: 10,000 then 100,000
# withdrawals (STEPS to change), of which all but IN_FLIGHT are finished history (finalized and
# settled, their events and ledger entries two days old) and IN_FLIGHT are open now. At each size:
# min / median / max over REPEAT reads of each view, beside a count of every withdrawal by status
# (what a view that scanned the history would pay), in the same run. Then the ledger's check:
# verify_ledger() from a checkpoint against verify_ledger(true) over the whole history.
# Usage: bench/metrics_cost.sh   (prints a Markdown table; a throwaway cluster, no chain needed)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
STEPS=${STEPS:-"10000 100000"}
IN_FLIGHT=${IN_FLIGHT:-1000}
REPEAT=${REPEAT:-20}
VERIFY_REPEAT=${VERIFY_REPEAT:-3}
./scripts/deps.sh >/dev/null
make -s -j"$(nproc)" >/dev/null && as_root make -s install >/dev/null
TXR_EXTRA_CONF="txrelay.broadcaster_enabled = off
txrelay.tracker_enabled = off"
trap cluster_stop EXIT
cluster_start txrelay_bench >/dev/null 2>&1
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
q "CREATE EXTENSION txrelay"
q "SELECT txrelay.add_chain(1, 'bench'); SELECT txrelay.add_sender(1, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', NULL, 0);
   SELECT txrelay.set_risk_tier('standard', 0, 'finalized');
   SELECT txrelay.credit('alice', 1, 'ETH', 10000000000000000000000, 'bench-funding')" >/dev/null
# history K: K withdrawals requested and approved through the API, then moved to finalized and
# settled as the workers would (the owner writes what the tracker writes), their rows dated two
# days back (the append-only guard is lifted for that one UPDATE: this is a throwaway cluster).
history() {
  local from=$1 to=$2 lo hi
  # (in transactions of 2,000: each request holds its idempotency key's lock until commit)
  for ((lo = from; lo <= to; lo += 2000)); do
    hi=$((lo + 1999 < to ? lo + 1999 : to))
    history_chunk "$lo" "$hi"
    settle   # per chunk too: one account's row is updated per entry, and a transaction's own
  done       # dead versions of that row pile up until it commits
  q "VACUUM ANALYZE"
}
history_chunk() {
  local from=$1 to=$2
  q "DO \$\$ DECLARE w uuid; BEGIN
       FOR k IN $from..$to LOOP
         w := (txrelay.request_withdrawal('h-' || k, 'alice', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id;
         PERFORM txrelay.approve(w, gen_random_uuid(), 'h-pd-' || k, 'bench');
       END LOOP; END \$\$"
}
settle() {
  q "UPDATE txrelay.outbox o SET status = 'done', done_at = now() FROM txrelay.withdrawals w
      WHERE o.status = 'pending' AND w.withdrawal_id = o.withdrawal_id AND w.idempotency_key LIKE 'h-%';
     UPDATE txrelay.withdrawals SET status = 'signed' WHERE status = 'approved' AND idempotency_key LIKE 'h-%';
     UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE status = 'signed' AND idempotency_key LIKE 'h-%';
     UPDATE txrelay.withdrawals SET status = 'included' WHERE status = 'broadcasted' AND idempotency_key LIKE 'h-%';
     UPDATE txrelay.withdrawals SET status = 'safe' WHERE status = 'included' AND idempotency_key LIKE 'h-%';
     UPDATE txrelay.withdrawals SET status = 'finalized', completed_at = now() WHERE status = 'safe' AND idempotency_key LIKE 'h-%';
     INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
     SELECT 'COMMIT', 'alice', 1, 'ETH', 1, 21000, w.withdrawal_id FROM txrelay.withdrawals w
      WHERE w.status = 'finalized' AND NOT EXISTS (SELECT FROM txrelay.ledger_entries c WHERE c.withdrawal_id = w.withdrawal_id AND c.kind = 'COMMIT')
      ORDER BY w.created_at;
     ALTER TABLE txrelay.withdrawal_events DISABLE TRIGGER withdrawal_events_append_only;
     UPDATE txrelay.withdrawal_events SET created_at = created_at - interval '2 days' WHERE created_at > now() - interval '1 day';
     ALTER TABLE txrelay.withdrawal_events ENABLE ALWAYS TRIGGER withdrawal_events_append_only" >/dev/null
}
# The open work: IN_FLIGHT withdrawals requested now, half approved.
in_flight() {
  q "DO \$\$ DECLARE w uuid; BEGIN
       FOR k IN 1..$IN_FLIGHT LOOP
         w := (txrelay.request_withdrawal('open-' || k || '-' || $1, 'alice', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id;
         IF k % 2 = 0 THEN PERFORM txrelay.approve(w, gen_random_uuid(), 'open-pd-' || k || '-' || $1, 'bench'); END IF;
       END LOOP; END \$\$"
}
echo "| withdrawals | events | read | min ms | median ms | max ms |"
echo "|---|---|---|---|---|---|"
done_so_far=0
for n in $STEPS; do
  history $((done_so_far + 1)) $((n - IN_FLIGHT))
  done_so_far=$((n - IN_FLIGHT))
  [ "$n" = "${STEPS%% *}" ] && in_flight 1
  total=$(q "SELECT count(*) FROM txrelay.withdrawals")
  events=$(q "SELECT count(*) FROM txrelay.withdrawal_events")
  echo "| $total | $events | SELECT * FROM txrelay.metrics | $(timing 'SELECT * FROM txrelay.metrics') |"
  echo "| $total | $events | SELECT * FROM txrelay.alerts | $(timing 'SELECT * FROM txrelay.alerts') |"
  echo "| $total | $events | count by status over all withdrawals (baseline) | $(timing 'SELECT status, count(*) FROM txrelay.withdrawals GROUP BY status') |"
  # The ledger: a checkpoint over this history, then 100 more withdrawals; verify_ledger() reads
  # from the checkpoint, verify_ledger(true) everything (VERIFY_REPEAT reads: the latter is slow).
  echo "| $total | $events | take_ledger_checkpoint() (once) | $(timing 'SELECT * FROM txrelay.take_ledger_checkpoint()' 1) |"
  q "DO \$\$ BEGIN FOR k IN 1..100 LOOP
       PERFORM txrelay.request_withdrawal('delta-' || k || '-' || $n, 'alice', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1);
     END LOOP; END \$\$"
  echo "| $total | $events | verify_ledger(): from the newest checkpoint, 100 withdrawals since | $(timing 'SELECT * FROM txrelay.verify_ledger()' "$VERIFY_REPEAT") |"
  echo "| $total | $events | verify_ledger(true): the whole history | $(timing 'SELECT * FROM txrelay.verify_ledger(true)' "$VERIFY_REPEAT") |"
  [ "$(q "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0 ] || die "verify_ledger(true) found problems"
done
# EXPLAIN=1: where the time of each view goes at the last size (to stderr): the plan of the
# query inside txrelay._alerts() / txrelay._metrics(), taken from the schema's source set (sql/src/).
if [ -n "${EXPLAIN:-}" ]; then
  for f in alerts metrics; do
    echo "== EXPLAIN ANALYZE of txrelay._$f()" >&2
    body=$(python3 -c 'import glob, sys; s = "".join(open(f).read() for f in sorted(glob.glob("sql/src/*.sql"))); t = "$" + sys.argv[1] + "$"; i = s.index("AS " + t) + len("AS " + t); print(s[i:s.index(t, i)])' "$f")
    psql -X -q -At -c "SET jit = off" -c "SET search_path = pg_catalog, pg_temp" -c "EXPLAIN (ANALYZE, COSTS OFF) $body" >&2
  done
fi
