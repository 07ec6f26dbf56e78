#!/usr/bin/env bash
# Point-in-time recovery with pgBackRest, and a database restored to an earlier point never pays
# twice (issue 20). WAL is archived to a pgBackRest repository; a full backup, a withdrawal paid
# (before the target time), two more paid after it, an incremental backup. The cluster is thrown
# away and restored from the repository to the target time into a new directory, the workers
# off: txrelay.after_restore() finds the ledger whole, with the first withdrawal and without the
# two later ones - which the chain remembers. The application retries those two with the same
# idempotency keys; the workers are switched on: the start-up reconciliation sees the chain's
# nonces above any signed attempt and quarantines the hot wallet before a send, so the retries
# are never paid: each payment is on chain once, judged from the blocks, and the ledger verifies.
# The run's report names each transaction the database does not know and the retried withdrawal
# whose exact payment it is (the operator's list to settle).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
REPO=$(mktemp -d /tmp/txrelay-pgbackrest.XXXXXX)
mkdir -p "$REPO/log" "$REPO/lock" "$REPO/repo"
chown -R postgres: "$REPO" 2>/dev/null || true
CONF=$REPO/pgbackrest.conf
E2E_CONF+=$'\narchive_mode = on'"
archive_command = 'pgbackrest --config=$CONF --stanza=txrelay archive-push %p'"
e2e_setup
cleanup_repo() { rm -rf "$REPO"; }
trap 'e2e_teardown; cleanup_repo' EXIT
cat >"$CONF" <<CONF
[global]
repo1-path=$REPO/repo
log-path=$REPO/log
lock-path=$REPO/lock
log-level-console=warn
start-fast=y
repo1-retention-full=2
[txrelay]
pg1-path=$TXR_CLUSTER_DIR/data
pg1-socket-path=$TXR_CLUSTER_DIR
pg1-port=$PGPORT
pg1-user=postgres
CONF
chmod 644 "$CONF"
backrest() { as_pg pgbackrest --config="$CONF" --stanza=txrelay "$@"; }
backrest stanza-create
t0=$SECONDS
backrest backup --type=full
full_s=$((SECONDS - t0))

sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
fund_one_sender pitr
pay() {  # pay KEY AMOUNT: requested, approved, mined, completed
  local w
  w=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '${DEV[6]}', $2)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id")
  for _ in $(seq 1 100); do
    [ "$(sql "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")" = t ] && return 0
    mine 1
    sleep 0.2
  done
  return 1
}
balance() { rpc eth_getBalance "[\"$1\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }
start=$(balance "${DEV[6]}")
pay pitr-1 1001
sleep 1
target=$(sql "SELECT now()")
sleep 1
pay pitr-2 1002
pay pitr-3 1003
check "three withdrawals paid before the restore: 1001 + 1002 + 1003 wei" test "$(($(balance "${DEV[6]}") - start))" = 3006
t0=$SECONDS
backrest backup --type=incr
incr_s=$((SECONDS - t0))
backrest check  # switches the WAL segment and waits until it is in the repository
check "pgBackRest has a full and an incremental backup" \
  test "$(backrest info --output=json | python3 -c 'import json,sys; print(",".join(b["type"] for b in json.load(sys.stdin)[0]["backup"]))')" = "full,incr"

# The cluster is lost; a new directory restored from the repository to the target time.
cluster_stop
RESTORED=$(mktemp -d /tmp/txrelay-pg.XXXXXX)
chmod 755 "$RESTORED"
chown postgres: "$RESTORED" 2>/dev/null || true
t0=$SECONDS
backrest restore --pg1-path="$RESTORED/data" --type=time --target="$target" --target-action=promote
# (the workers off in postgresql.auto.conf, where ALTER SYSTEM switches them on later)
printf "txrelay.broadcaster_enabled = 'off'\ntxrelay.tracker_enabled = 'off'\n" >>"$RESTORED/data/postgresql.auto.conf"
port=$(free_port)
as_pg "$PG_BINDIR/pg_ctl" -D "$RESTORED/data" -l "$RESTORED/server.log" -w -t 120 start \
  -o "-p $port -k $RESTORED -c archive_mode=off" >/dev/null
TXR_CLUSTER_DIR=$RESTORED
TXR_CLUSTER_PID=$(head -1 "$RESTORED/data/postmaster.pid")
export PGHOST=$RESTORED PGPORT=$port
wait_for "SELECT NOT pg_is_in_recovery()" 60 "recovery to the target time"
restore_s=$((SECONDS - t0))
echo "# pgBackRest: full backup ${full_s} s, incremental ${incr_s} s, restore to a point in time and recovery ${restore_s} s"
check "restored to the target time: the first withdrawal is there, the two later ones are not" \
  test "$(sql "SELECT string_agg(idempotency_key, ',' ORDER BY idempotency_key) FROM txrelay.withdrawals")" = pitr-1
psql -X -c "SELECT * FROM txrelay.after_restore()"
check "after_restore(): counters, triggers and the whole ledger fine" \
  test "$(sql "SELECT string_agg(step || '=' || coalesce(ok::text, '-'), ',' ORDER BY step) FROM txrelay.after_restore()")" = \
       "checkpoint=-,identity=true,ledger=true,triggers=true"

# The application does not find pitr-2 and pitr-3 and retries them with the same keys.
for k in 2 3; do
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('pitr-$k', 'alice', 31337, 'ETH', '${DEV[6]}', 100$k)).withdrawal_id, gen_random_uuid(), 'pitr-$k-pd-again', 'e2e')).withdrawal_id" >/dev/null
done
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = on" >/dev/null
sql "ALTER SYSTEM SET txrelay.tracker_enabled = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT status = 'quarantined' FROM txrelay.senders WHERE address = '${DEV[0]}'" 30 "the hot wallet quarantined"
for _ in $(seq 1 10); do mine 1; sleep 0.3; done
check "the start-up reconciliation quarantined the hot wallet: the chain has nonces no signed attempt explains" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'sender_quarantined'")" = 1
report="SELECT run.report FROM txrelay.reconciliation_runs run WHERE run.requested_by = 'txrelay broadcaster start-up' ORDER BY run.run_id DESC LIMIT 1"
psql -X -c "SELECT jsonb_pretty(u) FROM ($report) r, jsonb_array_elements(r.report) s, jsonb_array_elements(s -> 'unknown_transactions') u"
check "its report names the chain's two transactions the database does not know, each the exact payment of the retry at its nonce" \
  test "$(sql "SELECT string_agg((u ->> 'nonce') || ':' || (u -> 'matches' ->> 'idempotency_key') || ':' || (length(u ->> 'hash') = 66), ',' ORDER BY (u ->> 'nonce')::int)
               FROM ($report) r, jsonb_array_elements(r.report) s, jsonb_array_elements(s -> 'unknown_transactions') u")" = "1:pitr-2:true,2:pitr-3:true"
check "the retried withdrawals were never sent: no eth_sendRawTransaction on the restored database" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_sendRawTransaction' AND withdrawal_id IN (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key IN ('pitr-2', 'pitr-3'))")" = 0
check "each payment on chain once: the recipient still has 1001 + 1002 + 1003 wei, not more" \
  test "$(($(balance "${DEV[6]}") - start))" = 3006
check "judged from the blocks alone: no nonce and no transaction mined twice" check_chain --blocks-only
check "verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
finish
