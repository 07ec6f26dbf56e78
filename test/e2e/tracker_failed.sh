#!/usr/bin/env bash
# A withdrawal whose transaction reverts on chain ends 'failed', with its amount released and the
# gas it burned recorded as the fee; one that succeeds on the same token completes. On anvil with
# a token the test deploys (test/e2e/erc20_token.py: transfer reverts above the sender's balance): the
# hot wallet holds 1000 tokens; a client-signed transfer of 5000 reverts (receipt status 0), one
# of 300 goes through. Checked against the node: the receipts' status and fees, the recipients'
# token balances, verify_ledger().
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 1
listen_start
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d

code=$(python3 "$E2E_DIR/erc20_token.py")
deploy=$(rpc eth_sendTransaction "[{\"from\": \"${DEV[0]}\", \"data\": \"$code\"}]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
token=$(rpc eth_getTransactionReceipt "[\"$deploy\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["contractAddress"])')
"$CAST" send --private-key "$KEY0" --rpc-url "$ANVIL_URL" "$token" "transfer(address,uint256)" "${DEV[1]}" 1000 >/dev/null
token_balance() { "$CAST" call "$token" "balanceOf(address)(uint256)" "$1" --rpc-url "$ANVIL_URL" | cut -d' ' -f1; }
check "the test token is deployed at $token and the hot wallet holds 1000 of it" test "$(token_balance "${DEV[1]}")" = 1000

sql "SELECT txrelay.add_asset(31337, 'TKN', '$token', 18)" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', NULL, 0)" >/dev/null   # client-signed
sql "SELECT txrelay.set_risk_tier('fast', 0, 'included:1')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'TKN', 1000000, 'failed-funding')" >/dev/null
start=$(block_number)

# client_sign KEY AMOUNT TIER RECIPIENT: request, approve, sign the request with cast, submit.
client_sign() {
  local id request nonce raw
  id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'TKN', '$4', $2, '$3')).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id")
  read -r request nonce < <(sql "SELECT signature_request_id || ' ' || nonce FROM txrelay.signature_requests WHERE withdrawal_id = '$id'" | tr '|' ' ')
  raw=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce "$nonce" --gas-limit 100000 --gas-price 3gwei \
          --priority-gas-price 1gwei "$token" "transfer(address,uint256)" "$4" "$2")
  sql "SELECT attempt_id FROM txrelay.submit_signed('$request', decode('${raw#0x}', 'hex'))" >/dev/null
  echo "$id"
}
bad=$(client_sign failed-1 5000 fast "${DEV[6]}")
good=$(client_sign failed-2 300 standard "${DEV[7]}")
wait_for "SELECT count(*) = 2 FROM txrelay.withdrawals WHERE status IN ('included', 'safe', 'finalized', 'failed')" 20 "both mined"
bad_tx=$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$bad'")
check "the node reverted the 5000-token transfer (receipt status 0) and the tracker recorded it" \
  test "$(rpc eth_getTransactionReceipt "[\"$bad_tx\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["status"])')/$(sql "SELECT receipt_status FROM txrelay.attempts WHERE withdrawal_id = '$bad'")" = "0x0/0"
mine 3
wait_for "SELECT status = 'failed' FROM txrelay.withdrawals WHERE withdrawal_id = '$bad'" 20 "failed"
wait_for "SELECT status = 'finalized' AND completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$good'" 20 "the good one finalized"
check "reverted: failed, not completed, path ends included -> failed" \
  test "$(sql "SELECT (completed_at IS NULL) || ':' || (SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = w.withdrawal_id AND event = 'status') FROM txrelay.withdrawals w WHERE withdrawal_id = '$bad'")" = "true:requested,approved,signed,broadcasted,included,failed"
check "reverted: the amount released once, with the burned gas (gasUsed x effectiveGasPrice) as the fee" \
  test "$(sql "SELECT string_agg(e.kind || ':' || e.amount || ':' || (e.fee = a.gas_used * a.effective_gas_price AND e.fee > 0), ',') FROM txrelay.ledger_entries e JOIN txrelay.attempts a USING (withdrawal_id) WHERE e.withdrawal_id = '$bad' AND e.kind <> 'RESERVE'")" = "RELEASE:5000:true"
check "NOTIFY txrelay_events: 'failed' for the reverted one (with its tx_hash), 'completed' for the other" \
  test "$(notifications failed | python3 -c 'import json,sys; print(",".join(p["withdrawal_id"] + ":" + p["tx_hash"] for p in map(json.loads, sys.stdin)))')/$(notifications completed | python3 -c 'import json,sys; print(",".join(p["withdrawal_id"] for p in map(json.loads, sys.stdin)))')" = "$bad:$bad_tx/$good"
check "the token balances on chain: the hot wallet paid 300, the failed recipient got nothing" \
  test "$(token_balance "${DEV[1]}")/$(token_balance "${DEV[6]}")/$(token_balance "${DEV[7]}")" = "700/0/300"
check "each nonce holds its withdrawal's transaction (the failed one reverted), once" check_chain --require-all-sent
check "ledger against the receipts and the token balances" check_settlement "$start"
check "verify_ledger() finds nothing; alice: 300 spent, nothing reserved" \
  test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")/$(sql "SELECT reserved || '/' || spent FROM txrelay.balance('alice', 31337, 'TKN')")" = "0/0/300"
finish
