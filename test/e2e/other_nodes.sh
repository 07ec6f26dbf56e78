#!/usr/bin/env bash
# The core flows on a node that is not anvil (issue 19): E2E_NODE=ganache (7.9.2) or hardhat
# (2.22.19), both without eth_getBlockReceipts, Hardhat also without eth_signTransaction (an anvil
# signs for it). Checked from the blocks alone:
#   1. withdrawals from two senders are sent, mined and settled: the tracker reads receipts one
#      transaction at a time, because the node says it has no eth_getBlockReceipts;
#   2. kill -9 of the broadcaster while a send's answer is in flight (the node has mined it), from a
#      fresh sender at nonce 0: the recovered lease looks the transaction up and sends nothing
#      again - ganache executes a mined nonce-0 transaction sent again, which paid a withdrawal
#      twice before (issue 19);
#   3. a foreign transaction at the nonce txrelay reserves next: the node's own words for "nonce
#      too low" lead to replaced_externally and a quarantined sender, nothing paid twice;
#   0. (first) what the tracker's probe finds the node can do: recorded in txrelay.capabilities
#      and followed by the workers; the node as a signer (Hardhat cannot sign), as the endpoint of
#      another chain, and its finalized tag at latest are alerts without any withdrawal.
set -euo pipefail
export E2E_TRACKER=on E2E_NODE=${E2E_NODE:-ganache}
. "$(dirname "$0")/lib.sh"
E2E_CONF+=$'\ntxrelay.capability_probe_interval = 10s'
e2e_setup
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
PROXY_ENDPOINT=$(sql "SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = '$PROXY_URL'")
sql "SELECT txrelay.set_rpc_endpoint($PROXY_ENDPOINT, request_timeout_ms => 20000)" >/dev/null
sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
for i in 0 1; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil')" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'nodes-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"
balance() { rpc eth_getBalance "[\"$1\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }
mine_one() { rpc evm_mine >/dev/null; }
mine_until_completed() { mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$1'"; }
mine_until_status() { mine_until "SELECT status = '$2' FROM txrelay.withdrawals WHERE withdrawal_id = '$1'"; }
approve() {
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '$2', $3)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id"
}
completed() {  # completed KEY...: all completed
  local keys
  keys=$(printf "'%s'," "$@")
  sql "SELECT count(*) = $# FROM txrelay.withdrawals WHERE idempotency_key IN (${keys%,}) AND completed_at IS NOT NULL"
}

# 0. Capabilities, probed within seconds of add_rpc_endpoint and add_signer, before any withdrawal.
wait_for "SELECT count(*) >= 7 FROM txrelay.capabilities WHERE endpoint_id = $PROXY_ENDPOINT" 20 "the endpoint's probe"
check "$E2E_NODE: the probe recorded what the node can do (no block receipts, no lookup by sender and nonce)" \
  test "$(sql "SELECT string_agg(capability || '=' || coalesce(supported::text, '?'), ',' ORDER BY capability) FROM txrelay.capabilities
               WHERE endpoint_id = $PROXY_ENDPOINT AND capability <> 'finality_lags_latest'")" = \
       "batches=true,block_receipts=false,finalized_tag=true,safe_tag=true,serves_chain=true,tx_by_sender_and_nonce=false"
sql "SELECT txrelay.add_signer('node-itself', '$ANVIL_URL')" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[3]}', 'node-itself')" >/dev/null
sql "SELECT txrelay.add_chain(5, 'not this node')" >/dev/null
sql "SELECT txrelay.add_rpc_endpoint(5, '$ANVIL_URL')" >/dev/null
wait_for "SELECT count(*) = 1 FROM txrelay.alerts WHERE alert = 'endpoint_wrong_chain' AND chain_id = 5" 20 "endpoint_wrong_chain"
check "$E2E_NODE: the node as the endpoint of chain 5 is endpoint_wrong_chain, with its eth_chainId" \
  test "$(sql "SELECT what LIKE '%eth_chainId: 31337 (the endpoint is configured for chain 5)%' FROM txrelay.alerts WHERE alert = 'endpoint_wrong_chain'")" = t
# The workers leave that endpoint out: a hot wallet added on chain 5 gets no nonce read from it.
sql "SELECT txrelay.add_sender(5, '${DEV[3]}', 'anvil')" >/dev/null
sleep 3
check "$E2E_NODE: no worker reads chain 5 from the endpoint of another chain (the new sender's nonce stays unread)" \
  test "$(sql "SELECT (s.next_nonce IS NULL) || '/' || (SELECT count(*) FROM txrelay.rpc_calls WHERE chain_id = 5 AND method = 'eth_getTransactionCount') FROM txrelay.senders s WHERE s.chain_id = 5")" = "true/0"
sql "SELECT txrelay.set_sender_status(5, '${DEV[3]}', 'paused', 'e2e: chain 5 has no endpoint of its own')" >/dev/null
wait_for "SELECT count(*) = 1 FROM txrelay.capabilities WHERE signer = 'node-itself'" 20 "the signer's probe"
if [ "$E2E_NODE" = hardhat ]; then
  check "hardhat: the node as a signer is signer_cannot_sign at configuration time, naming the sender" \
    test "$(sql "SELECT what LIKE '%-32004 Method eth_signTransaction is not supported%${DEV[3]} on chain 31337%' FROM txrelay.alerts WHERE alert = 'signer_cannot_sign'")" = t
else
  check "$E2E_NODE: the node as a signer has eth_signTransaction (no alert)" \
    test "$(sql "SELECT supported::text || '/' || (SELECT count(*) FROM txrelay.alerts WHERE alert = 'signer_cannot_sign') FROM txrelay.capabilities WHERE signer = 'node-itself'")" = "true/0"
fi
sql "SELECT txrelay.set_sender_status(31337, '${DEV[3]}', 'paused', 'e2e: not used')" >/dev/null
sql "SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => false) FROM txrelay.rpc_endpoints WHERE chain_id = 5" >/dev/null

# 1. The happy path to completion, receipts read one by one.
before=$(balance "${DEV[7]}")
for k in 1 2 3 4; do approve "node-$k" "${DEV[7]}" $((1000 + k)) >/dev/null; done
for _ in $(seq 1 100); do [ "$(completed node-1 node-2 node-3 node-4)" = t ] && break; mine_one; sleep 0.2; done
check "$E2E_NODE: 4 withdrawals from 2 senders completed" test "$(completed node-1 node-2 node-3 node-4)" = t
[ "$(completed node-1 node-2 node-3 node-4)" = t ] ||
  psql -X -c "SELECT idempotency_key, status, completed_at FROM txrelay.withdrawals" -c "SELECT * FROM txrelay.chain_heads" >&2
check "$E2E_NODE: the probe found no eth_getBlockReceipts, in the node's own words" \
  test "$(sql "SELECT answer ~ '^eth_getBlockReceipts: -32[0-9]+ .*eth_getBlockReceipts' FROM txrelay.capabilities WHERE endpoint_id = $PROXY_ENDPOINT AND capability = 'block_receipts' AND NOT supported")" = t
check "$E2E_NODE: so the tracker never asked for a block's receipts (only the probe asked, of latest)" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_getBlockReceipts' AND request NOT LIKE '%latest%'")" = 0
check "$E2E_NODE: receipts were read per transaction (eth_getBlockByHash, eth_getTransactionReceipt)" \
  test "$(sql "SELECT count(DISTINCT method) FROM txrelay.rpc_calls WHERE method IN ('eth_getBlockByHash', 'eth_getTransactionReceipt') AND outcome = 'ok'")" = 2
check "$E2E_NODE: the recipient got exactly the four amounts" \
  test "$(($(balance "${DEV[7]}") - before))" = $((1001 + 1002 + 1003 + 1004))
check "$E2E_NODE: ledger COMMIT per withdrawal, verify_ledger() finds nothing" \
  test "$(sql "SELECT count(*) FROM txrelay.ledger_entries WHERE kind = 'COMMIT'")/$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = "4/0"

# The blocks are past genesis now: the next probe sees finalized at latest, in tags mode.
wait_for "SELECT count(*) = 1 FROM txrelay.alerts WHERE alert = 'tags_follow_latest' AND chain_id = 31337" 30 "tags_follow_latest"
check "$E2E_NODE: a finalized tag at latest is the tags_follow_latest warning suggesting depth mode" \
  test "$(sql "SELECT severity || '/' || (what_to_do LIKE '%finality_mode => ''depth''%') FROM txrelay.alerts WHERE alert = 'tags_follow_latest'")" = warning/true

# 2. kill -9 while the send's answer is held by the proxy (the node has it, and mines it at once),
# from a fresh sender at nonce 0: ganache 7.9.2 executes a mined nonce-0 transaction sent again.
sql "SELECT txrelay.add_sender(31337, '${DEV[2]}', 'anvil')" >/dev/null
wait_for "SELECT next_nonce = 0 FROM txrelay.senders WHERE address = '${DEV[2]}'" 30 "the third sender's nonce"
for i in 0 1; do sql "SELECT txrelay.set_sender_status(31337, '${DEV[$i]}', 'paused', 'e2e: the fresh sender only')" >/dev/null; done
broadcaster_pid() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 2>/dev/null || true; }
before=$(balance "${DEV[8]}")
proxy_mode '{"mode": "delay", "delay_ms": 6000, "method": "eth_sendRawTransaction", "count": 1}'
w=$(approve node-kill "${DEV[8]}" 5000)
for _ in $(seq 1 100); do
  [ "$(curl -s "$PROXY_CONTROL/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["injected"].get("delay", 0))')" = 1 ] && break
  sleep 0.1
done
sleep 0.5
pid=$(broadcaster_pid)
check "$E2E_NODE: the broadcaster was killed with SIGKILL while its send's answer was held" kill -9 "$pid"
sleep 1
for _ in $(seq 1 300); do psql -X -q -At -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE idempotency_key = 'node-kill'"
check "$E2E_NODE: the withdrawal completed after the crash" test "$(completed node-kill)" = t
[ "$(completed node-kill)" = t ] || psql -X -c "SELECT status, completed_at FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" \
  -c "SELECT kind, status, tries, last_error FROM txrelay.outbox WHERE withdrawal_id = '$w'" -c "SELECT status, block_number, receipt_status FROM txrelay.attempts WHERE withdrawal_id = '$w'" -c "SELECT event, from_status, to_status, left(reason, 150) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w' ORDER BY event_id" -c "SELECT kind, amount FROM txrelay.ledger_entries WHERE withdrawal_id = '$w'" >&2
check "$E2E_NODE: the recovered lease looked the transaction up before any send" \
  test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND method = 'eth_getTransactionByHash'")" = t
check "$E2E_NODE: sent once: one eth_sendRawTransaction, the one whose answer the kill cut" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND method = 'eth_sendRawTransaction'")" -le 1
check "$E2E_NODE: paid once: the recipient got 5000 wei, not 10000" test "$(($(balance "${DEV[8]}") - before))" = 5000
check "$E2E_NODE: on chain: one transaction per nonce, each the withdrawal's own" check_chain --require-all-sent

# 3. A foreign transaction takes the nonce txrelay reserves next for sender 1.
n1=$(sql "SELECT next_nonce FROM txrelay.senders WHERE address = '${DEV[1]}'")
sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'paused', 'e2e: only sender 1 for this case')" >/dev/null
sql "SELECT txrelay.set_sender_status(31337, '${DEV[1]}', 'active', 'e2e: sender 1 for this case')" >/dev/null
outside=$("$CAST" send --async --private-key "$KEY1" --nonce "$n1" --gas-limit 21000 --gas-price 20gwei --priority-gas-price 2gwei \
            --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 7)
mine_one
w=$(approve node-foreign "${DEV[6]}" 6000)
mine_until_status "$w" replaced_externally
check "$E2E_NODE: the foreign use of the nonce is seen: replaced_externally" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")" = replaced_externally
check "$E2E_NODE: the sender is quarantined" \
  test "$(sql "SELECT status FROM txrelay.senders WHERE address = '${DEV[1]}'")" = quarantined
check "$E2E_NODE: its amount released once, no COMMIT" \
  test "$(sql "SELECT string_agg(kind, ',' ORDER BY entry_id) FROM txrelay.ledger_entries WHERE withdrawal_id = '$w'")" = "RESERVE,RELEASE"
check "$E2E_NODE: nothing paid twice, judged from the blocks" check_chain

# 5. A reorg made with evm_snapshot / evm_revert: the block holding the payment is replaced (the
# node forgets the transaction). Finality by depth (the tags of these nodes follow latest), so the
# withdrawal is still followed when it happens: reorged, the same bytes sent again, included once.
sql "SELECT txrelay.set_chain(31337, finality_mode => 'depth', safe_depth => 2, finalized_depth => 4)" >/dev/null
sql "SELECT txrelay.set_risk_tier('deep', 0, 'finalized')" >/dev/null
for a in "${DEV[0]}" "${DEV[1]}"; do sql "SELECT txrelay.set_sender_status(31337, '$a', 'paused', 'e2e: sender 2 only')" >/dev/null; done
sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'active', 'e2e: the reorg case')" >/dev/null
mine_one
snapshot=$(rpc evm_snapshot | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
before=$(balance "${DEV[5]}")
w=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('node-reorg', 'alice', 31337, 'ETH', '${DEV[5]}', 8000, 'deep')).withdrawal_id, gen_random_uuid(), 'node-reorg-pd', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" 30 "node-reorg included"
first_block=$(sql "SELECT block_number FROM txrelay.attempts WHERE withdrawal_id = '$w'")
check "$E2E_NODE: evm_revert took the block away" \
  test "$(rpc evm_revert "[\"$snapshot\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" = True
mine_until_completed "$w"
check "$E2E_NODE: the reorg was seen (reorged), the same bytes sent again, included and completed" \
  test "$(sql "SELECT bool_or(to_status = 'reorged') AND (SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w') = 1 AND (SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w') FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w'")" = t
check "$E2E_NODE: paid once (8000 wei), one COMMIT" \
  test "$(($(balance "${DEV[5]}") - before))/$(sql "SELECT count(*) FROM txrelay.ledger_entries WHERE withdrawal_id = '$w' AND kind = 'COMMIT'")" = 8000/1
echo "# the first inclusion was in block $first_block"

# 6. An empty hot wallet: the node's words for insufficient funds (ganache: "sender doesn't have
# enough funds", Hardhat: "Sender doesn't have enough funds to send tx") keep the transaction
# waiting, named, never failed; funded again, it is paid once.
case $E2E_NODE in
  ganache) set_balance() { rpc evm_setAccountBalance "[\"$1\", \"$2\"]" >/dev/null; } ;;
  hardhat) set_balance() { rpc hardhat_setBalance "[\"$1\", \"$2\"]" >/dev/null; } ;;
esac
funds=$(rpc eth_getBalance "[\"${DEV[2]}\", \"latest\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
set_balance "${DEV[2]}" 0x1000
before=$(balance "${DEV[6]}")
w=$(approve node-poor "${DEV[6]}" 9000)
wait_for "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND error_class = 'insufficient_funds'" 30 "the refusal"
check "$E2E_NODE: the node's refusal is classified insufficient_funds, in its own words" \
  test "$(sql "SELECT bool_and(response ~* 'enough funds|insufficient') FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND error_class = 'insufficient_funds'")" = t
check "$E2E_NODE: the withdrawal waits, signed, not failed; nothing on chain for it" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")/$(($(balance "${DEV[6]}") - before))" = signed/0
set_balance "${DEV[2]}" "$funds"
mine_until_completed "$w"
check "$E2E_NODE: funded again, it is sent, completed and paid once" \
  test "$(sql "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")/$(($(balance "${DEV[6]}") - before))" = t/9000
check "$E2E_NODE: nothing paid twice after the reorg and the empty wallet, judged from the blocks" check_chain

# 7. "Underpriced" against a foreign transaction in the pool: with mining stopped, someone with the
# sender's key puts a transaction at a high fee at the nonce txrelay uses next. Our send is
# refused as underpriced; the nonce is held in the pool, so txrelay waits instead of bidding
# against it (ganache re-priced 33 times in 20 s to 23 times the fee before); once the foreign
# one is mined: replaced_externally, the sender quarantined, nothing paid. Hardhat only: ganache
# 7.9.2's pool takes a second transaction at a held nonce even at a lower fee (no refusal to
# judge; the chain decides which is mined, and check_chain proves nothing is paid twice).
if [ "$E2E_NODE" = hardhat ]; then
mining() { rpc evm_setAutomine "[$([ "$1" = start ] && echo true || echo false)]" >/dev/null; }
KEY4=0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'paused', 'e2e: sender 4 only')" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[4]}', 'anvil')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders WHERE address = '${DEV[4]}'" 30 "sender 4's nonce"
mining stop
before=$(balance "${DEV[9]}")
n4=$(sql "SELECT next_nonce FROM txrelay.senders WHERE address = '${DEV[4]}'")
"$CAST" send --async --private-key "$KEY4" --nonce "$n4" --gas-limit 21000 --gas-price 200gwei --priority-gas-price 200gwei \
  --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 1 >/dev/null
w=$(approve node-underpriced "${DEV[9]}" 4000)
wait_for "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND method = 'eth_sendRawTransaction' AND response ~* 'underpriced'" 30 "the underpriced send" ||
  psql -X -c "SELECT event, to_status, left(reason, 160) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w' ORDER BY event_id" \
    -c "SELECT kind, status, tries, left(last_error, 200) FROM txrelay.outbox WHERE withdrawal_id = '$w'" \
    -c "SELECT method, outcome, error_class, left(response, 160) FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' ORDER BY call_id" >&2
sleep 3  # rounds enough for a fee war to show
check "$E2E_NODE: the node refused our send as underpriced, in its own words" \
  test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND method = 'eth_sendRawTransaction' AND response ~* 'underpriced'")" = t
check "$E2E_NODE: and nothing was re-priced: one attempt, no fee bump (the foreign transaction holds the nonce in the pool)" \
  test "$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w'")" = 1
echo "# the broadcaster's last word: $(sql "SELECT left(last_error, 300) FROM txrelay.outbox WHERE withdrawal_id = '$w' AND kind = 'broadcast'")"
mining start
mine_until_status "$w" replaced_externally
check "$E2E_NODE: once the foreign transaction is mined: replaced_externally, the sender quarantined, released once" \
  test "$(sql "SELECT w.status || '/' || s.status || '/' || (SELECT string_agg(kind, ',' ORDER BY entry_id) FROM txrelay.ledger_entries WHERE withdrawal_id = w.withdrawal_id) FROM txrelay.withdrawals w, txrelay.senders s WHERE w.withdrawal_id = '$w' AND s.address = '${DEV[4]}'")" = "replaced_externally/quarantined/RESERVE,RELEASE"
check "$E2E_NODE: the recipient got only the foreign transaction's 1 wei" test "$(($(balance "${DEV[9]}") - before))" = 1
fi

# 8. Hardhat only (ganache has no way to drop): with mining stopped, hardhat_dropTransaction takes
# our pending transaction out of the pool; the blocks that follow do not hold it and the node no
# longer knows it, so the tracker finds it dropped and the same bytes go in again: mined once.
if [ "$E2E_NODE" = hardhat ]; then
  sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'active', 'e2e: the drop case')" >/dev/null
  mining stop
  before=$(balance "${DEV[8]}")
  w=$(approve node-drop "${DEV[8]}" 3000)
  wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" 30 "node-drop sent"
  h=$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$w'")
  check "hardhat: hardhat_dropTransaction took our pending transaction out of the pool" \
    test "$(rpc hardhat_dropTransaction "[\"$h\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" = True
  mining start
  mine_until_completed "$w"
  check "hardhat: found dropped, the same bytes sent again (one attempt, two sends of one hash), completed, paid once" \
    test "$(sql "SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w' AND event = 'dropped'")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w'")/$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$w' AND method = 'eth_sendRawTransaction' AND outcome = 'ok'")/$(($(balance "${DEV[8]}") - before))" = "1/1/2/3000"
fi

# 4. Hardhat only: hardhat_mine makes blocks whose parentHash is zero. The tracker reads the same
# broken link round after round: after three reads it is a failure with a WARNING naming both
# blocks, not a silent "blocks changed while read" loop.
if [ "$E2E_NODE" = hardhat ]; then
  sql "SELECT txrelay.set_sender_status(31337, '${DEV[2]}', 'active', 'e2e: the broken chain case')" >/dev/null
  # (finality by depth, so that the withdrawal is still followed when the blocks come)
  sql "SELECT txrelay.set_chain(31337, finality_mode => 'depth', safe_depth => 2, finalized_depth => 50)" >/dev/null
  approve node-broken "${DEV[6]}" 7000 >/dev/null
  wait_for "SELECT status <> 'approved' AND status <> 'signed' FROM txrelay.withdrawals WHERE idempotency_key = 'node-broken'" 30 "node-broken sent"
  rpc hardhat_mine '["0x8"]' >/dev/null
  for _ in $(seq 1 100); do
    grep -q "names 0x0000000000000000000000000000000000000000000000000000000000000000 as its parent" "$TXR_CLUSTER_DIR/server.log" && break
    sleep 0.2
  done
  check "hardhat: a parent link broken three reads in a row is a WARNING naming the blocks, with the backoff" \
    grep -qE "WARNING:  txrelay tracker: chain 31337: block [0-9]+ names 0x0{64} as its parent, not block [0-9]+ \(0x[0-9a-f]{64}\), in 3 reads in a row: the node serves a broken chain.*looking again in" "$TXR_CLUSTER_DIR/server.log"
fi
finish
