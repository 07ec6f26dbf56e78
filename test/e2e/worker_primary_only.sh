#!/usr/bin/env bash
# The workers run only on a primary (DESIGN §8): a streaming standby of the cluster runs no
# broadcaster; promoted, it starts one at once, which carries on with the queue.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'ha-funding')" >/dev/null

STANDBY_DIR=$(mktemp -d /tmp/txrelay-standby.XXXXXX)
STANDBY_PID=""
stop_standby() {
  if [ -n "$STANDBY_PID" ] && kill -0 "$STANDBY_PID" 2>/dev/null; then
    kill -INT "$STANDBY_PID"
    for _ in $(seq 1 100); do kill -0 "$STANDBY_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$STANDBY_DIR"
}
trap 'stop_standby; e2e_teardown' EXIT
[ "$(id -u)" -eq 0 ] && chown postgres: "$STANDBY_DIR"
as_pg "$PG_BINDIR/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$STANDBY_DIR/data" -R -X stream -c fast >/dev/null
port=$(free_port)
as_pg "$PG_BINDIR/pg_ctl" -D "$STANDBY_DIR/data" -l "$STANDBY_DIR/server.log" \
  -o "-p $port -k $STANDBY_DIR" -w start >/dev/null
STANDBY_PID=$(head -1 "$STANDBY_DIR/data/postmaster.pid")
on_standby() { psql -X -q -At -h "$STANDBY_DIR" -p "$port" -c "$1"; }

for _ in $(seq 1 50); do [ "$(on_standby "SELECT pg_is_in_recovery()")" = t ] && break; sleep 0.1; done
sleep 1
check "the standby is in recovery" test "$(on_standby "SELECT pg_is_in_recovery()")" = t
check "no broadcaster runs on the standby" \
  test "$(on_standby "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'")" = 0
check "the primary runs one" \
  test "$(sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'")" = 1

# Stop the primary's broadcaster from taking the next withdrawal, then fail over by hand.
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = off" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('ha-1', 'alice', 31337, 'ETH', '${DEV[6]}', 77)).withdrawal_id, gen_random_uuid(), 'ha-pd-1', 'e2e')).withdrawal_id")
for _ in $(seq 1 50); do [ "$(on_standby "SELECT count(*) FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = 1 ] && break; sleep 0.1; done
cluster_stop   # the old primary goes away
start=$(date +%s%N)
as_pg "$PG_BINDIR/pg_ctl" -D "$STANDBY_DIR/data" -w promote >/dev/null
for _ in $(seq 1 100); do
  [ "$(on_standby "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'")" = 1 ] && break
  sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# promotion -> broadcaster running on the new primary: $ms ms"
check "promoted, the new primary starts its broadcaster" \
  test "$(on_standby "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'")" = 1
for _ in $(seq 1 100); do [ "$(on_standby "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = broadcasted ] && break; sleep 0.1; done
check "and it sends what the old primary had queued" \
  test "$(on_standby "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = broadcasted
export PGHOST="$STANDBY_DIR" PGPORT="$port"
check "on chain, at its nonce" check_chain --require-all-sent
finish
