#!/usr/bin/env bash
# The tracker's RPC cost per new block does not grow with the number of pending transactions.
# On anvil with a block gas limit of 5 transfers, 2,000 withdrawals of 4 senders are sent and wait
# in the pool; then, with 2,000 pending and again with 50 pending, the test mines blocks one by
# one (5 of ours in each) and counts the tracker's JSON-RPC calls per new block in rpc_calls.
# Both figures are printed (docs/benchmarks.md quotes them). The checks: the calls that blocks and
# pending transactions cause are at most 1 receipts call per block + 2 nonce counts per sender,
# whatever the number pending; no transaction is looked up by itself.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
# (20 accounts: a pool of more than 4,096 needs more than 4 senders, each holding at most
# max_in_flight_per_sender = 1,024 unmined nonces; anvil signs for all of them)
e2e_setup --slots-in-an-epoch 2 --block-base-fee-per-gas 0 --accounts 20   # full blocks would raise it and price them out
N=${N_PENDING:-2000}
BLOCKS=10
rpc evm_setAutomine '[false]' >/dev/null
rpc anvil_setBlockGasLimit "[\"$(printf '0x%x' $((5 * 21000)))\"]" >/dev/null
sql "ALTER SYSTEM SET txrelay.max_in_flight_per_sender = 1024" >/dev/null
sql "ALTER SYSTEM SET txrelay.batch_size = 500" >/dev/null
sql "ALTER SYSTEM SET txrelay.stuck_blocks = 100000" >/dev/null   # waiting is the point here: no fee bumps
sql "SELECT pg_reload_conf()" >/dev/null
sql "SELECT txrelay.set_rpc_endpoint(endpoint_id, max_requests_per_sec => 10000) FROM txrelay.rpc_endpoints" >/dev/null
# Senders: dev accounts 0-3, and accounts 10 on as the pool needs (4-9 are the recipients), or
# SENDER_COUNT of them (bench/tracker_cost.sh compares pools with the same senders).
SENDER_COUNT=${SENDER_COUNT:-$(( N > 4000 ? (N + 999) / 1000 : 4 ))}
SENDERS=("${DEV[@]:0:4}")
mapfile -t ACCOUNTS < <(rpc eth_accounts | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["result"]))')
for ((i = 10; ${#SENDERS[@]} < SENDER_COUNT && i < ${#ACCOUNTS[@]}; i++)); do SENDERS+=("${ACCOUNTS[$i]}"); done
for a in "${SENDERS[@]}"; do sql "SELECT txrelay.add_sender(31337, '$a', 'anvil')" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'scale-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"

script=$(mktemp)
for k in $(seq 1 "$N"); do
  echo "SELECT txrelay.approve((txrelay.request_withdrawal('scale-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k % 6))]}', $((1000000 + k)))).withdrawal_id, gen_random_uuid(), 'scale-pd-$k', 'e2e');"
done >"$script"
started=$SECONDS
psql -X -q -v ON_ERROR_STOP=1 -f "$script" >/dev/null
rm -f "$script"
wait_for "SELECT count(*) = $N FROM txrelay.withdrawals WHERE status = 'broadcasted'" 300 "all $N sent"
echo "# $N withdrawals approved and sent in $((SECONDS - started)) s"
check "the node's pool holds all $N" \
  test "$(rpc txpool_status | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["pending"], 16))')" = "$N"
sleep 1.5   # the tracker has looked at them once (first_seen_block, check_after_ms)

# calls_per_block: mine BLOCKS blocks one at a time, each seen by the tracker; prints the tracker's
# JSON-RPC calls per new block over that window: all of them, and those driven by blocks and
# pending transactions (all but the polls of latest/safe/finalized, which follow the clock).
calls_per_block() {
  local before
  before=$(sql "SELECT coalesce(max(call_id), 0) FROM txrelay.rpc_calls")
  for _ in $(seq 1 $BLOCKS); do
    mine 1
    wait_for "SELECT latest_number = $(block_number) FROM txrelay.chain_heads" 20 "the tracker at the new block" >&2
  done
  sleep 0.3
  sql "SELECT round(count(*)::numeric / $BLOCKS, 1) || ' ' || round(count(*) FILTER (WHERE method <> 'eth_getBlockByNumber')::numeric / $BLOCKS, 1)
         FROM txrelay.rpc_calls WHERE call_id > $before AND method IN ('eth_getBlockByNumber', 'eth_getBlockReceipts', 'eth_getTransactionCount',
              'eth_getTransactionByHash', 'eth_getTransactionReceipt', 'eth_getTransactionBySenderAndNonce')"
}
pending_now() { sql "SELECT count(*) FROM txrelay.attempts WHERE status = 'sent'"; }
senders_now() { sql "SELECT count(DISTINCT from_address) FROM txrelay.attempts WHERE status = 'sent'"; }
p_many=$(pending_now)
s_many=$(senders_now)
read -r many many_driven < <(calls_per_block)
# For bench/tracker_cost.sh: the workers' memory with this many pending (private KiB, RSS KiB).
if [ -n "${SCALE_OUT:-}" ]; then
  mem=""
  for w in broadcaster tracker; do
    pid=$(sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay $w'")
    mem+=" $(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$pid/smaps_rollup") $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
  done
  echo "$p_many $s_many $many $many_driven$mem" >"$SCALE_OUT"
fi
# Down to 50 pending: one big mine, which the tracker reads in batches.
rpc anvil_mine "[\"$(printf '0x%x' $(( (N - 50) / 5 - BLOCKS )))\"]" >/dev/null
wait_for "SELECT latest_number = $(block_number) FROM txrelay.chain_heads" 120 "the tracker to read the big mine" || true
sleep 1.5
p_few=$(pending_now)
s_few=$(senders_now)
read -r few few_driven < <(calls_per_block)
echo "# tracker JSON-RPC calls per new block, all / driven by blocks and pending transactions:"
echo "#   $many / $many_driven with $p_many pending of $s_many senders; $few / $few_driven with $p_few pending of $s_few senders"
[ -n "${SCALE_OUT:-}" ] && echo "$p_few $s_few $few $few_driven" >>"$SCALE_OUT"
# (plus at most one clock-driven look at the senders in the window: txrelay.tracker_check_after_ms)
check "with $p_many pending: one receipts call per block + two nonce counts per sender ($many_driven per block; bound $((1 + 2 * s_many)) + $((2 * s_many))/$BLOCKS)" \
  python3 -c "import sys; sys.exit(0 if $many_driven * $BLOCKS <= (1 + 2 * $s_many) * $BLOCKS + 2 * $s_many else 1)"
# (all calls include the clock-driven polls, whose count per block follows how long each block
# takes to be seen: a loose bound - 40 x the pending may not even double them)
check "with $p_many pending, all calls per block ($many) within 2 x those with $p_few pending ($few) + 2 per extra sender" \
  python3 -c "import sys; sys.exit(0 if $many <= 2 * $few + 2 * ($s_many - $s_few) else 1)"
check "no transaction was looked up one by one (no eth_getTransactionByHash, no eth_getTransactionReceipt)" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method IN ('eth_getTransactionByHash', 'eth_getTransactionReceipt')")" = 0
check "every inclusion recorded, one attempt each (no fee bump, no resend)" \
  test "$(sql "SELECT count(*) FILTER (WHERE status = 'included') || '/' || count(*) FROM txrelay.attempts")" = "$((N - p_few + 5 * BLOCKS))/$N"
finish
