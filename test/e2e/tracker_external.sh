#!/usr/bin/env bash
# A sender's key used outside txrelay (anvil, checked against the node). Twice:
#   1. after our transaction was sent: a transaction signed with cast at the same nonce and
#      higher fees replaces ours in the pool and is mined;
#   2. before our send: an outside transaction takes the nonce txrelay reserves next, so our
#      send meets "nonce too low" and the broadcaster hands it to the tracker.
# Each time the withdrawal becomes replaced_externally, its amount is released (no fee: we paid
# no gas), the sender is quarantined, and the critical alert (log and NOTIFY) carries the
# withdrawal_id, idempotency_key, nonce_key and the outside transaction's hash. Later approvals
# get no nonce from a quarantined sender (TR008).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2
rpc evm_setAutomine '[false]' >/dev/null
listen_start
KEY=([2]=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a [3]=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6)
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'ext-funding')" >/dev/null
start=$(block_number)
outside() {  # outside SENDER_INDEX NONCE: a self-made transfer with the sender's key, not via txrelay
  "$CAST" send --async --private-key "${KEY[$1]}" --nonce "$2" --gas-price 200gwei --priority-gas-price 20gwei \
    --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 7
}
approve() {
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '$2', $3)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id"
}
expect_replaced() {  # expect_replaced LABEL WITHDRAWAL SENDER_INDEX OUTSIDE_HASH
  local label=$1 w=$2 s=$3 h=$4 key nonce_key
  wait_for "SELECT status = 'replaced_externally' FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" 30 "$label: replaced_externally"
  key=$(sql "SELECT idempotency_key FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")
  nonce_key=$(sql "SELECT nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = '$w'")
  check "$label: the node has the outside transaction $h at $nonce_key" \
    test "$(rpc eth_getTransactionReceipt "[\"$h\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["status"])')" = 0x1
  check "$label: withdrawal replaced_externally, its attempt replaced, its amount released once without fee" \
    test "$(sql "SELECT string_agg(status, ',') FROM txrelay.attempts WHERE withdrawal_id = '$w'")/$(sql "SELECT string_agg(kind || ':' || fee, ',') FROM txrelay.ledger_entries WHERE withdrawal_id = '$w' AND kind <> 'RESERVE'")" = "replaced/RELEASE:0"
  check "$label: sender quarantined, the reason names the withdrawal" \
    test "$(sql "SELECT status = 'quarantined' AND status_reason LIKE '%$h%' AND status_reason LIKE '%$w%' FROM txrelay.senders WHERE address = '${DEV[$s]}'")" = t
  check "$label: CRITICAL log with withdrawal_id, idempotency_key, nonce_key and the outside tx_hash" \
    grep -q "CRITICAL: nonce $nonce_key was used on chain by transaction $h; sender ${DEV[$s]} quarantined \[withdrawal_id=$w idempotency_key=$key nonce_key=$nonce_key attempt_id=- tx_hash=$h\]" "$TXR_CLUSTER_DIR/server.log"
  check "$label: txrelay.alerts: critical sender_quarantined with withdrawal_id, idempotency_key, nonce_key, attempt_id, and the outside tx_hash in its text" \
    test "$(sql "SELECT severity || '/' || withdrawal_id || '/' || idempotency_key || '/' || nonce_key || '/' || (attempt_id IS NOT NULL) || '/' || (what LIKE '%$h%') FROM txrelay.alerts WHERE alert = 'sender_quarantined' AND details ->> 'sender' = '${DEV[$s]}'")" = "critical/$w/$key/$nonce_key/true/true"
  check "$label: NOTIFY txrelay_events replaced_externally with the identifiers" \
    test "$(notifications replaced_externally | python3 -c 'import json,sys; print(sum(1 for p in map(json.loads, sys.stdin) if p["withdrawal_id"] == sys.argv[1] and p["idempotency_key"] == sys.argv[2] and p["nonce_key"] == sys.argv[3] and p["status"] == "replaced_externally"))' "$w" "$key" "$nonce_key")" = 1
}

# 1. After our send.
sql "SELECT txrelay.add_sender(31337, '${DEV[2]}', 'anvil')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"
w1=$(approve ext-1 "${DEV[6]}" 1000000000000000)
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'" 20 "ext-1 sent"
h1=$(outside 2 "$(sql "SELECT nonce FROM txrelay.nonce_reservations WHERE withdrawal_id = '$w1'")")
mine 1
expect_replaced "after the send" "$w1" 2 "$h1"
check "a later withdrawal gets no nonce from the quarantined sender (TR008), nothing reserved" \
  test "$(psql -X -q -At -c "\\set VERBOSITY sqlstate" -c "SELECT txrelay.approve((txrelay.request_withdrawal('ext-later', 'alice', 31337, 'ETH', '${DEV[7]}', 5)).withdrawal_id, gen_random_uuid(), 'ext-later-pd', 'e2e')" 2>&1)/$(sql "SELECT count(*) FROM txrelay.nonce_reservations")" = "ERROR:  TR008/1"

# 2. Before our send: the outside transaction takes the next nonce first.
sql "SELECT txrelay.add_sender(31337, '${DEV[3]}', 'anvil')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the second sender's nonce"
h2=$(outside 3 "$(sql "SELECT next_nonce FROM txrelay.senders WHERE address = '${DEV[3]}'")")
mine 1
w2=$(approve ext-2 "${DEV[8]}" 2000000000000000)
expect_replaced "before the send" "$w2" 3 "$h2"
check "before the send: 'nonce too low' went to the tracker, not to a dead letter" \
  test "$(sql "SELECT string_agg(kind || ':' || status, ',' ORDER BY outbox_id) FROM txrelay.outbox WHERE withdrawal_id = '$w2'")" = "sign:done,broadcast:done"
check "before the send: path requested, approved, signed, broadcasted, replaced_externally" \
  test "$(sql "SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w2' AND event = 'status'")" = "requested,approved,signed,broadcasted,replaced_externally"

sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'active', 'e2e: the outside transfer was ours')" >/dev/null
check "the alert of a sender set active again clears; the other quarantined sender's stays" \
  test "$(sql "SELECT string_agg(details ->> 'sender', ',') FROM txrelay.alerts WHERE alert = 'sender_quarantined'")" = "${DEV[3]}"
check "the node holds the outside transactions at the reserved nonces" check_chain
check "ledger: releases without fee; balances = completed amounts (none) against the node" check_settlement "$start"
check "verify_ledger() finds nothing; nothing reserved or spent for alice" \
  test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")/$(sql "SELECT reserved || '/' || spent FROM txrelay.balance('alice', 31337, 'ETH')")" = "0/0/0"
finish
