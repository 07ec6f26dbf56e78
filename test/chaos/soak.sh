#!/usr/bin/env bash
# Chaos soak on one node (issue 7): a stream of withdrawals while, at random, the broadcaster or
# the tracker is killed with kill -9 (PostgreSQL then restarts every process), the postmaster is
# killed with kill -9 and started again, the fault proxy injects a fault class between the
# workers and the node, anvil reorgs 1-3 blocks, anvil drops its pending transactions, or the
# newest withdrawal that may be signed is cancelled (a race on chain, decision 66). The
# client retries every call with the same idempotency key (and the same approval id) until it is
# answered, as a real client would. Then the faults stop, the chain runs to finality, and the
# invariant checker (test/chaos/check_invariants.sh) judges the database and the chain.
#   SOAK_WITHDRAWALS (default 60), SOAK_FAULT_EVERY (a fault every N withdrawals, default 3),
#   SOAK_SEED (default random; printed, so a run can be repeated).
# Short run in the test command; the full run: SOAK_WITHDRAWALS=2000 test/chaos/soak.sh
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/check_invariants.sh"
. "$(dirname "$0")/client.sh"
N=${SOAK_WITHDRAWALS:-60}
EVERY=${SOAK_FAULT_EVERY:-3}
SEED=${SOAK_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
echo "# soak: $N withdrawals, a fault every $EVERY, seed $SEED"
e2e_setup --slots-in-an-epoch 2
ACKED="$TXR_CLUSTER_DIR/acked"   # removed with the cluster
: >"$ACKED"
declare -A FAULTS=()

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil'); SELECT txrelay.add_sender(31337, '${DEV[1]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'soak-funding')" >/dev/null
wait_for "SELECT count(*) = 2 FROM txrelay.senders WHERE next_nonce IS NOT NULL" 30 "the senders' nonces"
start_block=$(block_number)

postmaster_restart() {
  local port=$PGPORT
  for _ in $(seq 1 100); do
    as_pg "$PG_BINDIR/pg_ctl" -D "$TXR_CLUSTER_DIR/data" -l "$TXR_CLUSTER_DIR/server.log" -o "-p $port" -w -t 30 start \
      >/dev/null 2>&1 && break
    sleep 0.3   # the old processes are still leaving (shared memory in use)
  done
  TXR_CLUSTER_PID=$(head -1 "$TXR_CLUSTER_DIR/data/postmaster.pid")
}

worker_pid() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay $1'" 2>/dev/null || true; }

inject() {
  local kind pid
  case $((RANDOM % 8)) in
    0) kind=kill_broadcaster; pid=$(worker_pid broadcaster); [ -n "$pid" ] && kill -9 "$pid" ;;
    1) kind=kill_tracker; pid=$(worker_pid tracker); [ -n "$pid" ] && kill -9 "$pid" ;;
    2) kind=kill_postmaster; kill -9 "$TXR_CLUSTER_PID"; postmaster_restart ;;
    3|5) local modes=(refuse delay reset_after_send http_429 http_500 http_500_after garbage blackhole)
       local mode=${modes[$((RANDOM % ${#modes[@]}))]}
       kind="proxy_$mode"
       curl -s -X POST -d "{\"mode\": \"$mode\", \"count\": $((1 + RANDOM % 4)), \"delay_ms\": 3000}" "$PROXY_CONTROL/mode" >/dev/null ;;
    4) local depth=$((1 + RANDOM % 3))
       kind="reorg_$depth"
       # (automine paused around it: anvil mining a transaction while it reorgs can leave a block
       # number it no longer serves, and the tracker - rightly - waits for that block forever)
       rpc evm_setAutomine '[false]' >/dev/null
       rpc anvil_reorg "[$depth, []]" >/dev/null
       rpc evm_setAutomine '[true]' >/dev/null ;;
    6) kind=drop
       rpc evm_setAutomine '[false]' >/dev/null; sleep 0.4
       rpc anvil_dropAllTransactions '[]' >/dev/null; rpc evm_setAutomine '[true]' >/dev/null ;;
    7) kind=cancel_signed   # the newest withdrawal whose payment may be signed or sent: a race on chain
       sql_retry "SELECT count(txrelay.cancel(withdrawal_id, 'soak: cancel after signing'))
                    FROM (SELECT withdrawal_id FROM txrelay.withdrawals WHERE status IN ('approved', 'signed', 'broadcasted')
                           ORDER BY created_at DESC LIMIT 1) w" >/dev/null ;;
  esac
  FAULTS[$kind]=$(( ${FAULTS[$kind]:-0} + 1 ))
}

# A quarter of the load goes through the batch API: withdrawals 1-5, 21-25, ... five at a time.
i=1 batched=0
while [ "$i" -le "$N" ]; do
  step=1
  if [ $((i % 20)) -eq 1 ] && [ $((i + 4)) -le "$N" ]; then
    withdraw_batch "$i" 5 "$ACKED"; step=5; batched=$((batched + 5))
  else
    withdraw "$i" "$ACKED"
  fi
  for j in $(seq "$i" $((i + step - 1))); do
    [ $((j % EVERY)) -eq 0 ] && inject
    [ $((j % 5)) -eq 0 ] && rpc evm_mine '[]' >/dev/null   # time passes on the chain too
  done
  i=$((i + step))
done
echo "# $batched of $N withdrawals requested and approved through request_withdrawals / approve_withdrawals, five at a time"
total=0; kills=0; proxy=0; reorgs=0
for k in "${!FAULTS[@]}"; do
  total=$((total + FAULTS[$k]))
  case $k in kill_*) kills=$((kills + FAULTS[$k])) ;; proxy_*) proxy=$((proxy + FAULTS[$k])) ;; reorg_*) reorgs=$((reorgs + FAULTS[$k])) ;; esac
done
echo "# faults injected: $total - kill -9: broadcaster ${FAULTS[kill_broadcaster]:-0}, tracker ${FAULTS[kill_tracker]:-0}, postmaster ${FAULTS[kill_postmaster]:-0}; proxy $proxy; reorgs $reorgs; drops ${FAULTS[drop]:-0}; cancels after signing ${FAULTS[cancel_signed]:-0}"
echo "# by class: $(for k in $(printf '%s\n' "${!FAULTS[@]}" | sort); do printf '%s=%s ' "$k" "${FAULTS[$k]}"; done)"

# Heal and quiesce: no more faults, the chain runs until every withdrawal is final.
curl -s -X POST -d '{"mode": "pass"}' "$PROXY_CONTROL/mode" >/dev/null
deadline=$((SECONDS + 300 + N / 5))
while [ "$(sql_retry "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally')")" != 0 ]; do
  [ $SECONDS -lt $deadline ] || break
  rpc evm_mine '[]' >/dev/null
  sleep 0.5
done
sql_retry "SELECT status, count(*) FROM txrelay.withdrawals GROUP BY status ORDER BY status" | sed 's/^/# status /'
check "every withdrawal reached a final state after the faults stopped" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally')")" = 0
check "all $N were paid (finalized) but the cancels that won their race (cancelled)" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status IN ('finalized', 'cancelled')")" = "$N"
check "no withdrawal is both released and paid: no payment of a cancelled one in a block" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals w JOIN txrelay.attempts a USING (withdrawal_id)
                JOIN txrelay.signature_requests s USING (signature_request_id)
               WHERE w.status = 'cancelled' AND a.status = 'included' AND txrelay._pays(s.to_address, s.from_address, s.value, s.data)")" = 0
echo "# cancels: $(sql "SELECT count(*) FILTER (WHERE status = 'cancelled') || ' won, ' || count(*) FILTER (WHERE id IN (SELECT withdrawal_id FROM txrelay.withdrawal_events WHERE event = 'cancel_lost')) || ' lost' FROM (SELECT withdrawal_id AS id, status FROM txrelay.withdrawals) w")"
check_invariants "$start_block"
# The checker must be able to fail: a paid withdrawal paid a second time behind txrelay's back
# (the sender's key, its recipient, its amount) is caught by each of the chain checks.
paid=$(sql "SELECT split_part(idempotency_key, '-', 2) FROM txrelay.withdrawals WHERE status = 'finalized' ORDER BY created_at LIMIT 1")
"$CAST" send --private-key "$KEY0" --rpc-url "$ANVIL_URL" "$(recipient $((paid % 7 + 1)))" --value $((1000000000000000 + paid)) >/dev/null
rpc evm_mine '[]' >/dev/null
fails() { ! "$@" >/dev/null 2>&1; }
check "self-test: a second payment from a sender is caught by the chain checker" fails check_chain --require-all-sent
check "self-test: and by the recipients' balances" fails check_settlement "$start_block"
check "self-test: and by the chain alone (paid twice)" fails paid_once "$start_block"
finish
