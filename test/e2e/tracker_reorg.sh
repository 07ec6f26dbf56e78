#!/usr/bin/env bash
# Reorgs on anvil (--slots-in-an-epoch 2: safe = latest - 2, finalized = latest - 4), interval
# mining off so that the test decides what each block holds.
#   1. For depth 1, 2 and 3: two withdrawals are included, then anvil_reorg of that depth removes
#      their block (anvil forgets the transactions). Each goes reorged, the broadcaster sends the
#      same bytes again, it is included again and finalized once. At depth 3 the block was
#      already 'safe': safe -> reorged is allowed but logged as CRITICAL with the identifiers.
#      One of them is on the included:1 tier and was completed before the reorg: it stays
#      completed once (one COMMIT, one completion event).
#   2. A reorg that moves an included transaction into another block (anvil_reorg with the raw
#      transaction at index 1): the tracker records the new block and hash.
# Checked against the node: one attempt per withdrawal, each on chain once at its nonce, COMMIT
# fees equal the receipts of the final blocks, recipients' balances equal the completed amounts.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2
rpc evm_setAutomine '[false]' >/dev/null

sql "SELECT txrelay.set_risk_tier('fast', 0, 'included:1')" >/dev/null
for i in 0 1; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil')" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'reorg-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"
mine 5
start=$(block_number)

# tracker_at: wait until the tracker has seen the node's latest block (number and hash).
tracker_at() {
  local want
  want=$(rpc eth_getBlockByNumber '["latest", false]' | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(int(r["number"], 16), r["hash"][2:])')
  wait_for "SELECT latest_number || ' ' || encode(latest_hash, 'hex') = '$want' FROM txrelay.chain_heads" 20 "the tracker at block ${want% *}"
}
request() {  # request KEY TIER RECIPIENT AMOUNT -> withdrawal_id
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '$3', $4, '$2')).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id"
}
path() { sql "SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$1' AND event = 'status'"; }

for depth in 1 2 3; do
  a=$(request "reorg-$depth-a" fast "${DEV[5]}" $((1000000000000000 + depth)))
  b=$(request "reorg-$depth-b" standard "${DEV[6]}" $((2000000000000000 + depth)))
  wait_for "SELECT count(*) = 2 FROM txrelay.withdrawals WHERE withdrawal_id IN ('$a', '$b') AND status = 'broadcasted'" 20 "depth $depth: sent"
  mine 1
  block=$(block_number)
  [ "$depth" -gt 1 ] && mine $((depth - 1))
  tracker_at
  before=$(sql "SELECT string_agg(status, ',' ORDER BY idempotency_key) || '/' || count(completed_at) FROM txrelay.withdrawals WHERE withdrawal_id IN ('$a', '$b')")
  rpc anvil_reorg "[$depth, []]" >/dev/null
  check "depth $depth: the node no longer has block $block's transactions" \
    test "$(rpc eth_getTransactionReceipt "[\"$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$b'")\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" = None
  wait_for "SELECT count(*) = 2 FROM txrelay.withdrawals WHERE withdrawal_id IN ('$a', '$b') AND status = 'reorged'" 20 "depth $depth: reorged"
  wait_for "SELECT count(*) = 4 FROM txrelay.outbox WHERE withdrawal_id IN ('$a', '$b') AND kind = 'broadcast' AND status = 'done'" 20 "depth $depth: resent (a second broadcast each)"
  mine 1
  tracker_at
  check "depth $depth: before the reorg $before; both went reorged and were included again with the same bytes" \
    test "$(sql "SELECT count(*) FROM txrelay.withdrawals w WHERE withdrawal_id IN ('$a', '$b') AND status = 'included' AND (SELECT count(*) FROM txrelay.attempts t WHERE t.withdrawal_id = w.withdrawal_id) = 1")" = 2
  check "depth $depth: path of the standard one" \
    test "$(path "$b")" = "requested,approved,signed,broadcasted,included,$([ "$depth" = 3 ] && echo safe,)reorged,included"
done

check "the included:1 withdrawals (two completed before their reorg) completed once each, one COMMIT each" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals w WHERE idempotency_key LIKE 'reorg-%-a' AND completed_at IS NOT NULL AND (SELECT count(*) FROM txrelay.ledger_entries e WHERE e.withdrawal_id = w.withdrawal_id AND kind = 'COMMIT') = 1 AND (SELECT count(*) FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = w.withdrawal_id AND event = 'completed') = 1")" = 3
check "a safe inclusion reorged out is logged CRITICAL with the identifiers" \
  grep -q "CRITICAL: a safe inclusion was reorged out.*withdrawal_id=$(sql "SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = 'reorg-3-b'") idempotency_key=reorg-3-b nonce_key=31337:0x[0-9a-fA-F]\{40\}:[0-9]* attempt_id=[0-9a-f-]\{36\} tx_hash=0x" "$TXR_CLUSTER_DIR/server.log"

# 2. Moved: included in one block, then the reorg puts the same transaction one block later.
m=$(request reorg-move standard "${DEV[7]}" 3000000000000000)
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$m'" 20 "moved: sent"
mine 1
first=$(block_number)
mine 1
tracker_at
raw=$(sql "SELECT '0x' || encode(raw_tx, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$m'")
hash=$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$m'")
rpc anvil_reorg "[2, [[\"$raw\", 1]]]" >/dev/null
node_block=$(rpc eth_getTransactionReceipt "[\"$hash\"]" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(int(r["blockNumber"], 16), r["blockHash"][2:])')
check "the node moved the transaction from block $first to block $((first + 1))" test "${node_block% *}" = $((first + 1))
tracker_at
wait_for "SELECT block_number || ' ' || encode(block_hash, 'hex') = '$node_block' FROM txrelay.attempts WHERE withdrawal_id = '$m'" 20 "moved: the new block recorded"
check "moved: reorged, then included in the new block, one attempt" \
  test "$(path "$m")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$m'")" = "requested,approved,signed,broadcasted,included,reorged,included/1"

# Finalize everything, then settle.
mine 6
tracker_at
wait_for "SELECT count(*) = 0 FROM txrelay.withdrawals WHERE status <> 'finalized' OR completed_at IS NULL" 20 "all finalized"
check "every withdrawal finalized and completed once" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawal_events WHERE event = 'completed'")/$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status = 'finalized'")" = "7/7"
check "ledger COMMIT = amount + the final receipt's fee; balances = completed amounts (against the node)" check_settlement "$start"
check "every transaction on chain once, at its nonce" check_chain --require-all-sent
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0
finish
