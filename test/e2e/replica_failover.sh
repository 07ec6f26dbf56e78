#!/usr/bin/env bash
# A new node joins from the backup repository and takes over (issue 20 §4; the join times and
# their cost to the primary: bench/replica_join.sh, docs/chaos.md). WAL is archived to a
# pgBackRest repository and a full backup taken after a first withdrawal is paid. While a client
# keeps requesting and approving withdrawals through a two-host connection string, a new standby is
# restored from the repository (pgbackrest restore --type=standby: what Patroni's
# create_replica_methods: [pgbackrest, ...] runs), replays the archived WAL, streams, and becomes
# the synchronous standby. The primary is killed (kill -9) under that load and the new node
# promoted: its broadcaster reconciles the chain before its first send and carries on; the client
# retries what got no answer with the same keys. Every acknowledged request is on the new primary,
# every withdrawal finishes, each reserved nonce holds exactly its own payment (read from the
# chain), and the ledger verifies.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../chaos/client.sh"
backrest_archiving
e2e_setup
JOINED=$(mktemp -d /tmp/txrelay-pg.XXXXXX)
JOINED_PID=""
LOAD_PID=""
stop_joined() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  [ -n "$JOINED_PID" ] && kill -INT "$JOINED_PID" 2>/dev/null && while kill -0 "$JOINED_PID" 2>/dev/null; do sleep 0.1; done
  rm -rf "$JOINED" "$REPO"
}
trap 'e2e_teardown; stop_joined' EXIT
backrest_conf "$CONF" "$REPO" repo1-retention-full=1
backrest stanza-create

sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
fund_one_sender join
ACKED=$(mktemp)
withdraw 1 "$ACKED"
mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE idempotency_key = 'w-1'" 100
backrest backup --type=full

# The client: requests and approvals until told to stop, through a connection string that
# follows whichever node takes writes.
old_port=$PGPORT
joined_port=$(free_port)
export PGHOST="$TXR_CLUSTER_DIR,$JOINED" PGPORT="$old_port,$joined_port" PGTARGETSESSIONATTRS=read-write PGCONNECT_TIMEOUT=2
STOP=$REPO/stop
(i=1; while [ ! -f "$STOP" ]; do i=$((i + 1)); withdraw "$i" "$ACKED" || true; mine 1; done) &
LOAD_PID=$!
sleep 3

# The new node, from the repository, under that load.
chmod 755 "$JOINED"
chown postgres: "$JOINED" 2>/dev/null || true
t0=$SECONDS
backrest restore --pg1-path="$JOINED/data" --type=standby \
  --recovery-option="primary_conninfo=host=127.0.0.1 port=$old_port user=postgres application_name=joined"
PGHOST=$JOINED PGPORT=$joined_port as_pg "$PG_BINDIR/pg_ctl" -D "$JOINED/data" -l "$JOINED/server.log" -w -t 120 start \
  -o "-p $joined_port -k $JOINED -c archive_mode=off" >/dev/null || { cat "$JOINED/server.log" >&2; exit 1; }
JOINED_PID=$(head -1 "$JOINED/data/postmaster.pid")
on_old() { psql -X -q -At -h "$TXR_CLUSTER_DIR" -p "$old_port" -c "$1"; }
on_joined() { PGTARGETSESSIONATTRS=any psql -X -q -At -h "$JOINED" -p "$joined_port" -c "$1"; }
target=$(on_old "SELECT pg_current_wal_lsn()")
for _ in $(seq 1 600); do
  [ "$(on_joined "SELECT (SELECT status FROM pg_stat_wal_receiver) = 'streaming' AND pg_last_wal_replay_lsn() >= '$target'" 2>/dev/null)" = t ] && break
  sleep 0.2
done
echo "# the new node restored from the repository and caught up with the primary in $((SECONDS - t0)) s"
check "the node restored from the repository streams from the primary and has replayed past its position at the start" \
  test "$(on_joined "SELECT (SELECT status FROM pg_stat_wal_receiver) || '/' || pg_is_in_recovery() || '/' || (pg_last_wal_replay_lsn() >= '$target')")" = "streaming/true/true"
on_old "ALTER SYSTEM SET synchronous_standby_names = 'joined'" >/dev/null
on_old "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 100); do [ "$(on_old "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'joined'")" = sync ] && break; sleep 0.2; done
check "it is the primary's synchronous standby" test "$(on_old "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'joined'")" = sync
sleep 4

# The primary dies under load; the node that joined from the repository takes over.
acked_before=$(sort -u "$ACKED" | wc -l)
kill -9 "$TXR_CLUSTER_PID"
PGHOST=$JOINED PGPORT=$joined_port as_pg "$PG_BINDIR/pg_ctl" -D "$JOINED/data" -w -t 60 promote >/dev/null
TXR_CLUSTER_PID=""
sleep 6
touch "$STOP"
wait "$LOAD_PID" || true
LOAD_PID=""
acked=$(sort -u "$ACKED" | wc -l)
echo "# $acked_before requests acknowledged before the kill, $acked in all"
check "the client kept working across the failover (acknowledged after the kill too)" test "$acked" -gt "$acked_before"
check "every acknowledged request is on the new primary" \
  test "$(sql_retry "SELECT count(*) FROM unnest(string_to_array('$(sort -u "$ACKED" | paste -sd' ')', ' ')) k WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = k)")" = 0
# The approvals that got no answer, again (the same call: the same approval id).
for k in $(sql "SELECT idempotency_key FROM txrelay.withdrawals WHERE status = 'requested'"); do withdraw "${k#w-}" /dev/null; done
mine_until "SELECT count(*) = 0 FROM txrelay.withdrawals WHERE completed_at IS NULL" || true
check "every withdrawal completed on the new primary" test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NULL")" = 0
check "its broadcaster reconciled the chain before its first send and found nothing to quarantine or hold" \
  test "$(sql "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'")/$(sql "SELECT count(*) FROM txrelay.unknown_transactions")" = 0/0
check "each reserved nonce holds exactly its own payment, each paid once (from the chain)" check_chain --require-all-sent
check "verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
rm -f "$ACKED"
finish
