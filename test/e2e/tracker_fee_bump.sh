#!/usr/bin/env bash
# Fee bumps on anvil. A withdrawal is sent with the fees of a 1 gwei base fee; then the base fee
# is raised far above its max fee (anvil_setNextBlockBaseFeePerGas) and blocks are mined without
# it. After txrelay.stuck_blocks blocks the tracker asks for a fee bump; the broadcaster signs a
# new attempt at the same nonce with both fee fields >= 10 % + 1 wei above the stuck one, and it
# is mined. (Anvil evicts a priced-out transaction at once, where geth keeps it: the tracker does
# not resend bytes the node would refuse; it waits stuck_blocks either way, then bumps.) Exactly one attempt is ever included.
# Then at the cap: with the chain's fee cap at the stuck attempt's max fee, no bump is possible:
# the tracker stops, says so once (event and log with the identifiers); once the cap is raised
# the bump goes through. And re-pricing: a first send refused as underpriced (the broadcaster's
# fee quote was older than a base-fee jump) becomes a new attempt at fresh fees at once.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2
rpc evm_setAutomine '[false]' >/dev/null
sql "ALTER SYSTEM SET txrelay.stuck_blocks = 3" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'bump-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the sender's nonce"
start=$(block_number)
node_tx() { rpc "$1" "[\"$2\"]" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r and r.get(sys.argv[1]))' "$3"; }

# stuck KEY RECIPIENT AMOUNT: a withdrawal sent, then priced out by a base fee 20 x its max fee.
stuck() {
  local id fee
  rpc anvil_setNextBlockBaseFeePerGas '["0x3b9aca00"]' >/dev/null   # 1 gwei again, below any quote
  mine 1
  id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '$2', $3)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id")
  wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 20 "$1: sent" >&2
  fee=$(sql "SELECT max_fee_per_gas FROM txrelay.attempts WHERE withdrawal_id = '$id' ORDER BY created_at DESC LIMIT 1")
  rpc anvil_setNextBlockBaseFeePerGas "[\"$(printf '0x%x' $((fee * 20)))\"]" >/dev/null
  echo "$id"
}
# mine_until SQL: mine one block at a time (at most 15) until SQL is true.
mine_until() {
  for _ in $(seq 1 15); do
    mine 1
    wait_for "SELECT latest_number = $(block_number) FROM txrelay.chain_heads" 10 "the tracker at the new block" >/dev/null
    [ "$(sql "$1")" = t ] && return 0
  done
  return 1
}

w1=$(stuck bump-1 "${DEV[5]}" 1000000000000000)
h1=$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$w1'")
check "priced out: blocks are mined without it; no resend of bytes the node would refuse" \
  mine_until "SELECT EXISTS (SELECT FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w1' AND event = 'fee_bump_requested')"
waited=$(sql "SELECT h.latest_number - a.first_seen_block FROM txrelay.attempts a, txrelay.chain_heads h WHERE a.withdrawal_id = '$w1' ORDER BY a.created_at LIMIT 1")
check "the bump was asked for after stuck_blocks (3) blocks, not before (waited $waited)" test "$waited" = 3
check "not on chain: anvil evicted it from its pool as priced out (geth would keep it pending)" \
  test "$(node_tx eth_getTransactionByHash "$h1" hash)/$(sql "SELECT count(*) FROM txrelay.outbox o JOIN txrelay.attempts a USING (attempt_id) WHERE a.tx_hash = decode('${h1#0x}', 'hex')")" = "None/1"
wait_for "SELECT count(*) = 2 FROM txrelay.attempts WHERE withdrawal_id = '$w1' AND status = 'sent'" 20 "the bumped attempt sent"
check "the bumped attempt: same nonce, both fee fields >= 110 % + 1 wei of the stuck one" \
  test "$(sql "SELECT bool_and(b.nonce = a.nonce AND b.max_fee_per_gas >= a.max_fee_per_gas * 11 / 10 + 1 AND b.max_priority_fee_per_gas >= a.max_priority_fee_per_gas * 11 / 10 + 1) FROM txrelay.attempts a JOIN txrelay.attempts b ON b.withdrawal_id = a.withdrawal_id AND b.created_at > a.created_at WHERE a.withdrawal_id = '$w1'")" = t
check "the node's pool holds the bumped one only" \
  test "$(rpc txpool_status | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["pending"], 16))')/$(node_tx eth_getTransactionByHash "$h1" hash)" = "1/None"
mine_until "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'" || true
check "exactly one attempt included - the bumped one - and the stuck one replaced" \
  test "$(sql "SELECT string_agg(status, ',' ORDER BY created_at) FROM txrelay.attempts WHERE withdrawal_id = '$w1'")" = "replaced,included"
check "the withdrawal stayed broadcasted while stuck (no status invented for it)" \
  test "$(sql "SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w1' AND event = 'status'")" = "requested,approved,signed,broadcasted,included"

# At the cap.
w2=$(stuck bump-2 "${DEV[6]}" 2000000000000000)
sql "UPDATE txrelay.chains SET (max_fee_per_gas_cap, max_priority_fee_cap) = (SELECT max_fee_per_gas, max_priority_fee_per_gas FROM txrelay.attempts WHERE withdrawal_id = '$w2' ORDER BY created_at DESC LIMIT 1) WHERE chain_id = 31337" >/dev/null
check "at the cap: the tracker stops bumping and says so" \
  mine_until "SELECT EXISTS (SELECT FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w2' AND event = 'fee_bump_at_cap')"
mine 2
sleep 0.5
check "at the cap: said once, no bump requested, one attempt" \
  test "$(sql "SELECT count(*) FILTER (WHERE event = 'fee_bump_at_cap') || '/' || count(*) FILTER (WHERE event = 'fee_bump_requested') FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w2'")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w2'")" = "1/0/1"
check "at the cap: the log names the withdrawal, its key, nonce and attempt" \
  grep -q "cannot be bumped on chain 31337: a bump of 10 % + 1 wei would pass the chain's fee caps.*withdrawal_id=$w2 idempotency_key=[^ -][^ ]* nonce_key=31337:${DEV[0]}:1 attempt_id=[0-9a-f-]\{36\} " "$TXR_CLUSTER_DIR/server.log"
sql "UPDATE txrelay.chains SET max_fee_per_gas_cap = 500000000000, max_priority_fee_cap = 50000000000 WHERE chain_id = 31337" >/dev/null
check "cap raised: the bump goes through and is mined" \
  mine_until "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'"
check "cap raised: one of its two attempts included" \
  test "$(sql "SELECT string_agg(status, ',' ORDER BY created_at) FROM txrelay.attempts WHERE withdrawal_id = '$w2'")" = "replaced,included"

# Re-price: the broadcaster's fee quote is older than a base-fee jump, so the node refuses the
# first send as underpriced; the broadcaster asks for a new attempt at fresh fees at once.
sql "ALTER SYSTEM SET txrelay.fee_refresh_ms = 600000" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
rpc anvil_setNextBlockBaseFeePerGas '["0x3b9aca00"]' >/dev/null
mine 1
w3=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('bump-3', 'alice', 31337, 'ETH', '${DEV[7]}', 3000000000000000)).withdrawal_id, gen_random_uuid(), 'bump-3-pd', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w3'" 20 "bump-3: sent"
mine 1
fee=$(sql "SELECT max_fee_per_gas FROM txrelay.attempts WHERE withdrawal_id = '$w3'")
rpc anvil_setNextBlockBaseFeePerGas "[\"$(printf '0x%x' $((fee * 2)))\"]" >/dev/null
mine 1
w4=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('bump-4', 'alice', 31337, 'ETH', '${DEV[8]}', 4000000000000000)).withdrawal_id, gen_random_uuid(), 'bump-4-pd', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w4'" 20 "bump-4: re-priced and sent"
check "re-price: the refused attempt dropped, a new one at the same nonce with fees above the base fee sent" \
  test "$(sql "SELECT string_agg(status, ',' ORDER BY created_at) FROM txrelay.attempts WHERE withdrawal_id = '$w4'")/$(sql "SELECT bool_and(max_fee_per_gas > $((fee * 2))) FROM txrelay.attempts WHERE withdrawal_id = '$w4' AND status = 'sent'")" = "dropped,sent/t"
check "re-price: the refused send is closed as re-priced, not retried or dead-lettered" \
  test "$(sql "SELECT string_agg(o.status, ',' ORDER BY o.outbox_id) FROM txrelay.outbox o WHERE o.withdrawal_id = '$w4' AND o.kind = 'broadcast'")" = "cancelled,done"
sql "ALTER SYSTEM RESET txrelay.fee_refresh_ms" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
rpc anvil_setNextBlockBaseFeePerGas '["0x3b9aca00"]' >/dev/null
mine_until "SELECT count(*) = 4 FROM txrelay.withdrawals WHERE status IN ('included', 'safe', 'finalized')" || true

mine 5
wait_for "SELECT count(*) = 4 FROM txrelay.withdrawals WHERE status = 'finalized' AND completed_at IS NOT NULL" 20 "all finalized"
check "every nonce holds one of our transactions, once" check_chain --require-all-sent
check "ledger COMMIT fee = the bumped receipt's; balances = completed amounts (against the node)" check_settlement "$start"
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0

# No fee war (issue 19): at txrelay.max_fee_bumps_per_nonce bumps of a nonce the tracker stops,
# whatever the caps, and says why; here the limit is 0.
sql "ALTER SYSTEM SET txrelay.max_fee_bumps_per_nonce = 0" >/dev/null
sql "ALTER SYSTEM RESET txrelay.fee_refresh_ms" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
w5=$(stuck bump-5 "${DEV[9]}" 5000000000000000)
check "at max_fee_bumps_per_nonce: the tracker stops bumping and says why" \
  mine_until "SELECT EXISTS (SELECT FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w5' AND event = 'fee_bump_at_cap' AND reason LIKE '%0 fee bumps at this nonce already (txrelay.max_fee_bumps_per_nonce)%')"
check "at max_fee_bumps_per_nonce: no bump requested, one attempt, the alert open" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w5' AND event = 'fee_bump_requested'")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w5'")/$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'fee_bump_at_cap' AND withdrawal_id = '$w5'")" = "0/1/1"
finish
