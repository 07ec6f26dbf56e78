#!/usr/bin/env bash
# Failover under load (issue 7): three PostgreSQL nodes under Patroni (synchronous mode, strict)
# over etcd, txrelay's workers on whichever node is primary with
# txrelay.require_synchronous_standby on, anvil as the chain, and a client requesting and
# approving withdrawals through a multi-host connection string, retrying each call with the same
# keys. While it runs, the leader's postmaster is killed with kill -9 HA_KILLS times (each time
# after the cluster is whole again) and the downtime to the first write on the new primary is
# measured; then the whole leader is paused (SIGSTOP of Patroni and PostgreSQL) for longer than
# the leader lease, HA_PAUSES times. After the kills: every invariant (test/chaos/check_invariants.sh).
# After the pauses (Patroni 3.0.2 can lose acknowledged writes then, reference/ha-ledger-
# reliability.md): nothing is paid twice, and where the chain and the database disagree the
# sender is quarantined, or held with the chain's transactions recorded for the retries to adopt
# (decision 79).
#   HA_KILLS (default 3), HA_PAUSES (default 1); the full run: HA_KILLS=50 test/ha/failover.sh
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../chaos/check_invariants.sh"
. "$(dirname "$0")/../chaos/client.sh"
. "$(dirname "$0")/lib.sh"
KILLS=${HA_KILLS:-3}
PAUSES=${HA_PAUSES:-1}
"$(dirname "$0")/../../scripts/deps.sh" >/dev/null
teardown() {
  [ -z "${HA_DIR:-}" ] || touch "$HA_DIR/stop" 2>/dev/null || true
  [ -z "${WORKLOAD_PID:-}" ] || kill "$WORKLOAD_PID" 2>/dev/null || true
  ha_stop
  anvil_stop
}
trap teardown EXIT
# A step that fails under errexit names itself (psql's own message goes to stderr just before).
set -E
trap 'echo "failover.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
anvil_start --slots-in-an-epoch 2
ha_start
{
  sql "CREATE EXTENSION txrelay"
  sql "SELECT txrelay.add_chain(31337, 'anvil')"
  sql "SELECT txrelay.add_rpc_endpoint(31337, '$ANVIL_URL')"
  sql "SELECT txrelay.add_signer('anvil', '$ANVIL_URL')"
  sql "SELECT txrelay.set_risk_tier('standard', 0, 'finalized')"
  sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil'); SELECT txrelay.add_sender(31337, '${DEV[1]}', 'anvil')"
  sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'ha-funding')"
  sql "CREATE TABLE ha_probe (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())"
} >/dev/null
wait_for "SELECT count(*) = 2 FROM txrelay.senders WHERE next_nonce IS NOT NULL" 60 "the senders' nonces (the workers run on the primary)"
start_block=$(block_number)
ACKED="$HA_DIR/acked"   # removed with the cluster
: >"$ACKED"

# The client: withdrawals one after another until told to stop; the chain mines along.
workload() {
  local i
  i=$(wc -l <"$ACKED")   # numbering goes on from the last run: new keys, not replays
  while [ ! -e "$HA_DIR/stop" ]; do
    i=$((i + 1))
    withdraw "$i" "$ACKED" || true
    [ $((i % 3)) -eq 0 ] && rpc evm_mine '[]' >/dev/null 2>&1
  done
}
workload & WORKLOAD_PID=$!

now_ms() { date +%s%3N; }
downtimes=()
for k in $(seq 1 "$KILLS"); do
  ha_wait_healthy 120 || die "the cluster did not become whole again before kill $k"
  sleep $((1 + RANDOM % 3))
  leader=$(ha_leader)
  pm=$(ha_postmaster_pid "$leader")
  t0=$(now_ms)
  kill -9 "$pm"
  until psql -X -q -c "INSERT INTO ha_probe DEFAULT VALUES" >/dev/null 2>&1; do sleep 0.05; done
  t1=$(now_ms)
  new=$(ha_leader)
  downtimes+=($((t1 - t0)))
  echo "# kill $k: leader n$leader (postmaster $pm) killed; writes on n${new:-?} after $((t1 - t0)) ms"
done
if [ "$KILLS" -gt 0 ]; then
  stats=$(printf '%s\n' "${downtimes[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%d kills: downtime min %d ms, median %d ms, max %d ms", NR, a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}')
  echo "# $stats"
fi

quiesce() {
  local deadline=$((SECONDS + 300))
  while [ "$(sql_retry "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally') AND NOT EXISTS (SELECT FROM txrelay.senders s WHERE s.status = 'quarantined') AND NOT EXISTS (SELECT FROM txrelay.unknown_transactions u WHERE u.settled IS NULL)")" != 0 ]; do
    [ $SECONDS -lt $deadline ] || break
    rpc evm_mine '[]' >/dev/null
    sleep 0.5
  done
}

touch "$HA_DIR/stop"; wait "$WORKLOAD_PID" || true; rm -f "$HA_DIR/stop"
ha_wait_healthy 120 || true
quiesce
echo "# after the kills: $(sql "SELECT count(*) FROM txrelay.withdrawals") withdrawals, $(sort -u "$ACKED" | wc -l) acknowledged"
check "the client kept working through the kills ($(sort -u "$ACKED" | wc -l) withdrawals acknowledged)" \
  test "$(sort -u "$ACKED" | wc -l)" -gt "$((KILLS * 2))"
check "the cluster is whole again (leader, synchronous standby, replica)" ha_healthy
check "every withdrawal reached a final state" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally')")" = 0
check "no sender was quarantined: the chain and the database agreed through every kill" \
  test "$(sql "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'")" = 0
check_invariants "$start_block"

# The pause: the whole leader node stops (Patroni and PostgreSQL) past its lease, then resumes.
for p in $(seq 1 "$PAUSES"); do
  ha_wait_healthy 120 || true
  workload & WORKLOAD_PID=$!
  sleep 2
  leader=$(ha_leader)
  pm=$(ha_postmaster_pid "$leader")
  procs="${HA_PATRONI_PID[$leader]} $pm $(ps -o pid= --ppid "$pm" | tr '\n' ' ')"
  kill -STOP $procs
  echo "# pause $p: node n$leader stopped (pids $procs) for 30 s"
  sleep 30
  kill -CONT $procs
  sleep 5
  touch "$HA_DIR/stop"; wait "$WORKLOAD_PID" || true; rm -f "$HA_DIR/stop"
done
if [ "$PAUSES" -gt 0 ]; then
  ha_wait_healthy 180 || echo "# the cluster did not become whole again after the pause"
  quiesce
  lost=$(sql_retry "SELECT count(*) FROM unnest(string_to_array('$(sort -u "$ACKED" | paste -sd' ')', ' ')) k WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = k)")
  quarantined=$(sql_retry "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'")
  unknown=$(sql_retry "SELECT count(*) FROM txrelay.unknown_transactions")
  adopted=$(sql_retry "SELECT count(*) FROM txrelay.unknown_transactions WHERE settled = 'adopted'")
  echo "# after the pause: $lost acknowledged request(s) lost by PostgreSQL, $quarantined sender(s) quarantined, $unknown transaction(s) the database forgot found on chain ($adopted adopted by the client's retries)"
  check "after the pause nothing is paid twice (from the blocks alone)" paid_once "$start_block"
  if check_chain --require-all-sent >/dev/null 2>&1; then
    check "the chain and the database agree after the pause" true
  else
    check "the chain and the database disagree after the pause: the sender is quarantined, or held with the chain's transactions recorded" \
      test "$((quarantined + unknown - adopted))" -gt 0
  fi
fi
finish
