#!/usr/bin/env bash
# Dropped transactions on anvil: five withdrawals of one sender wait in the pool (no mining);
# anvil_dropTransaction of the third removes it and the two after it (anvil drops a sender's
# later transactions with it). The tracker finds each dropped one (unknown to the node, its nonce still
# free), the broadcaster sends the same bytes again, and once interval mining starts all five are
# mined exactly once and finalized; nothing was re-signed.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2
rpc evm_setAutomine '[false]' >/dev/null

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'drop-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the sender's nonce"
start=$(block_number)
for k in 1 2 3 4 5; do
  sql "SELECT txrelay.approve((txrelay.request_withdrawal('drop-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k))]}', $((1000000000000000 * k)))).withdrawal_id, gen_random_uuid(), 'drop-pd-$k', 'e2e')" >/dev/null
done
wait_for "SELECT count(*) = 5 FROM txrelay.withdrawals WHERE status = 'broadcasted'" 20 "all five sent"
# anvil drops a transaction with the later ones of its sender: nonce 2 takes 3 and 4 with it.
# The tracker is paused meanwhile, so that it cannot find the drop (and have the bytes resent)
# between the drop and the look at the pool.
sql "ALTER SYSTEM SET txrelay.tracker_enabled = off" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT query LIKE '%disabled%' FROM pg_stat_activity WHERE backend_type = 'txrelay tracker'" 20 "the tracker paused"
h=$(sql "SELECT '0x' || encode(a.tx_hash, 'hex') FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = 'drop-3'")
check "anvil dropped drop-3 ($h) and the two after it from its pool" \
  test "$(rpc anvil_dropTransaction "[\"$h\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')/$(rpc txpool_status | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["pending"], 16))')" = "$h/2"
sql "ALTER SYSTEM SET txrelay.tracker_enabled = on" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null
mapfile -t dropped < <(sql "SELECT '0x' || encode(a.tx_hash, 'hex') FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key IN ('drop-3', 'drop-4', 'drop-5')")
wait_for "SELECT count(DISTINCT withdrawal_id) = 3 FROM txrelay.withdrawal_events WHERE event = 'dropped'" 20 "the tracker to find the three dropped"
check "the three dropped ones, and only they, were found dropped" \
  test "$(sql "SELECT string_agg(w.idempotency_key, ',' ORDER BY w.idempotency_key) FROM txrelay.withdrawals w WHERE EXISTS (SELECT FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = w.withdrawal_id AND e.event = 'dropped')")" = "drop-3,drop-4,drop-5"
wait_for "SELECT count(*) = 8 FROM txrelay.outbox WHERE kind = 'broadcast' AND status = 'done'" 20 "the resends"
check "the node has all five in its pool again" \
  test "$(rpc txpool_status | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["pending"], 16))')" = 5

rpc evm_setIntervalMining '[1]' >/dev/null
wait_for "SELECT count(*) = 5 FROM txrelay.withdrawals WHERE status = 'finalized' AND completed_at IS NOT NULL" 60 "all five finalized"
rpc evm_setIntervalMining '[0]' >/dev/null
for h in "${dropped[@]}"; do
  check "dropped $h: sent twice, the same bytes (one hash), one attempt" \
    test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_sendRawTransaction' AND tx_hash = decode('${h#0x}', 'hex') AND outcome = 'ok'")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = (SELECT withdrawal_id FROM txrelay.attempts WHERE tx_hash = decode('${h#0x}', 'hex'))")" = "2/1"
done
check "nothing was signed twice" test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_signTransaction' AND outcome = 'ok'")" = 5
check "every transaction on chain once, at its nonce" check_chain --require-all-sent
check "ledger COMMIT = amount + receipt fee; balances = completed amounts (against the node)" check_settlement "$start"
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0
finish
