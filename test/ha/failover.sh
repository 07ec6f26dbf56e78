#!/usr/bin/env bash
# Failover under load (issues 7 and 21): three PostgreSQL nodes run by an HA engine (HA_ENGINE,
# test/ha/lib.sh: Patroni on etcd v2 by default), txrelay's workers on whichever node is primary
# with txrelay.require_synchronous_standby on, anvil as the chain, and a client requesting and
# approving withdrawals through a multi-host connection string, retrying each call with the same
# keys and recording each acknowledged request. While it runs, faults hit the cluster, each after
# it is whole again (HA_FAULTS, "fault:count ..."):
#   kill         kill -9 of the leader's postmaster
#   pause        the whole leader node (agent and PostgreSQL) stopped past the lease (30 s)
#   short_pause  the same for 2 s less than the lease: no failover is due
#   stall        the synchronous standby's PostgreSQL stopped for 20 s
#   partition    the leader's network namespace cut off from everything as long as a pause
# For each fault: the downtime to the first write (min / median / max), acknowledged requests
# lost, and whether the cluster became whole again by itself (else a person must act). At the
# end: every invariant (test/chaos/check_invariants.sh), nothing lost, nothing paid twice judged
# from the blocks alone. The full run of issue 21: HA_FAULTS="kill:50 pause:20" (docs/chaos.md).
set -euo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../chaos/check_invariants.sh"
. "$(dirname "$0")/../chaos/client.sh"
. "$(dirname "$0")/lib.sh"
FAULTS=${HA_FAULTS:-kill:3 pause:1}
# Past the lease (the time after which the engine fails a silent leader over, HA_LEASE_S), and
# just under it.
PAUSE_S=${HA_PAUSE_S:-$((HA_LEASE_S * 2 > 30 ? HA_LEASE_S * 2 : 30))}
SHORT_PAUSE_S=${HA_SHORT_PAUSE_S:-$((HA_LEASE_S - 2))}
"$(dirname "$0")/../../scripts/deps.sh" >/dev/null
if [ -z "${HA_NS:-}" ] && ha_netns_available; then ha_run_in_namespaces "$0" "$@"; exit; fi

teardown() {
  trap '' TERM INT
  [ -z "${HA_DIR:-}" ] || touch "$HA_DIR/stop" 2>/dev/null || true
  [ -z "${WORKLOAD_PID:-}" ] || kill "$WORKLOAD_PID" 2>/dev/null || true
  ha_stop
  anvil_stop
}
trap teardown EXIT
trap 'exit 143' TERM INT   # the teardown runs when the run is stopped too
# A step that fails under errexit names itself (psql's own message goes to stderr just before).
set -E
trap 'echo "failover.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
ANVIL_HOST=$HA_CORE_ADDR anvil_start --slots-in-an-epoch 2
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
  local i=0
  while [ ! -e "$HA_DIR/stop" ]; do
    i=$((i + 1))
    withdraw "$i" "$ACKED" || true
    [ $((i % 3)) -eq 0 ] && rpc evm_mine '[]' >/dev/null 2>&1
  done
}
workload & WORKLOAD_PID=$!

now_ms() { date +%s%3N; }
# A write through the multi-host string; a commit held by synchronous replication counts as down.
probe_write() { timeout 8 psql -X -q -c "INSERT INTO ha_probe DEFAULT VALUES" >/dev/null 2>&1; }
# lost: acknowledged requests whose withdrawal the database does not have.
lost() {
  sql_retry "SELECT count(*) FROM unnest(string_to_array('$(sort -u "$ACKED" | paste -sd' ')', ' ')) k
             WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = k)"
}
# stop_for SECONDS PIDS...: the processes stopped now and continued SECONDS later (in the background).
stop_for() { local s=$1; shift; kill -STOP "$@"; (sleep "$s"; kill -CONT "$@" 2>/dev/null) & FAULT_END_PIDS+=($!); }
FAULT_END_PIDS=()

# inject FAULT: starts the fault on the healthy cluster (whatever ends it runs in the background)
# and says what it did in INJECTED.
inject() {
  local leader s
  leader=$(ha_leader)
  case $1 in
    kill) kill -9 "$(ha_postmaster_pid "$leader")"; INJECTED="n$leader's postmaster killed" ;;
    pause) stop_for "$PAUSE_S" $(ha_node_pids "$leader"); INJECTED="n$leader stopped for $PAUSE_S s" ;;
    short_pause) stop_for "$SHORT_PAUSE_S" $(ha_node_pids "$leader"); INJECTED="n$leader stopped for $SHORT_PAUSE_S s" ;;
    stall)
      s=$(ha_sync_standby)
      stop_for 20 $(ha_postgres_pids "$s"); INJECTED="synchronous standby n$s's PostgreSQL stopped for 20 s" ;;
    partition) ha_partition "$leader"; (sleep "$PAUSE_S"; ha_heal "$leader") & FAULT_END_PIDS+=($!); INJECTED="n$leader cut off for $PAUSE_S s" ;;
    *) die "unknown fault $1 (kill, pause, short_pause, stall, partition)" ;;
  esac
}

# run_fault FAULT COUNT: COUNT times: wait until whole, inject, time the first write; then report
# the downtimes, the acknowledged requests lost and the payments made twice during these faults.
run_fault() {
  local fault=$1 n=$2 k t0 downtimes=() person=no lost_before twice_before
  lost_before=$(lost); twice_before=$(paid_twice)
  for k in $(seq 1 "$n"); do
    # A cluster that did not become whole by itself waits for a person: fault it no further.
    ha_wait_healthy 180 || { person=yes; echo "# $fault $k: the cluster was not whole again within 180 s"; break; }
    sleep $((1 + RANDOM % 3))
    t0=$(now_ms)
    inject "$fault"
    until probe_write; do
      [ $(($(now_ms) - t0)) -lt 300000 ] || { person=yes; echo "# $fault $k: no write for 300 s"; break; }
      sleep 0.05
    done
    downtimes+=($(($(now_ms) - t0)))
    echo "# $fault $k: $INJECTED; writes on n$(ha_leader) after ${downtimes[-1]} ms"
    wait_background_faults
  done
  ha_wait_healthy 180 || person=yes
  # A quarantined hot wallet waits for an operator too (the chain and the database disagreed).
  [ "$(quarantined)" = 0 ] || person=yes
  echo "# $n x $fault ($HA_ENGINE): $(min_median_max ${downtimes[@]+"${downtimes[@]}"}); $(($(lost) - lost_before)) acknowledged request(s) lost, $(($(paid_twice) - twice_before)) paid twice, $(quarantined) sender(s) quarantined; a person had to act: $person"
}
quarantined() { sql_retry "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'"; }
min_median_max() {
  [ $# -gt 0 ] || { echo "no downtime measured"; return; }
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "downtime min %d ms, median %d ms, max %d ms", a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}'
}
# paid_twice: payments the blocks show more than once (test/chaos/paid_once.py's count).
paid_twice() {
  local n
  n=$(paid_once "$start_block" 2>/dev/null | sed -n 's/.*, \([0-9]*\) paid more than once.*/\1/p' | tail -1) || true
  echo "${n:-0}"
}
# The background end of a pause or partition has happened before the next fault is injected.
wait_background_faults() { local j; for j in "${FAULT_END_PIDS[@]}"; do wait "$j" || true; done; FAULT_END_PIDS=(); }

for spec in $FAULTS; do
  if [ "${spec%%:*}" = partition ] && [ -z "${HA_NS:-}" ]; then
    echo "# partition: skipped, network namespaces are not available here (HA_NETNS=on needs root and ip netns)"
    continue
  fi
  run_fault "${spec%%:*}" "${spec##*:}"
done

touch "$HA_DIR/stop"; wait "$WORKLOAD_PID" || true
ha_wait_healthy 180 || true
deadline=$((SECONDS + 300))
while [ "$(sql_retry "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally') AND NOT EXISTS (SELECT FROM txrelay.senders s WHERE s.status = 'quarantined')")" != 0 ]; do
  [ $SECONDS -lt $deadline ] || break
  rpc evm_mine '[]' >/dev/null
  sleep 0.5
done
echo "# after the faults: $(sql "SELECT count(*) FROM txrelay.withdrawals") withdrawals, $(sort -u "$ACKED" | wc -l) acknowledged, $(sql "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'") sender(s) quarantined, $(sql "SELECT count(*) FROM txrelay.unknown_transactions") transaction(s) the database forgot found on chain"
check "the client kept working through the faults ($(sort -u "$ACKED" | wc -l) withdrawals acknowledged)" \
  test "$(sort -u "$ACKED" | wc -l)" -gt 6
check "the cluster is whole again by itself (leader, synchronous standby, replica)" ha_healthy
check "every withdrawal reached a final state" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally')")" = 0
check "no sender was quarantined: the chain and the database agreed through every fault" \
  test "$(sql "SELECT count(*) FROM txrelay.senders WHERE status = 'quarantined'")" = 0
check_invariants "$start_block"
finish
