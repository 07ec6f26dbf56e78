#!/usr/bin/env bash
# L2 fees (issue 19): on an OP-stack chain a receipt carries the L1 data fee and the operator fee,
# and the wallet pays them on top of gas used x price. No local node writes those fields, so the
# fault proxy adds the fields of a recorded Isthmus receipt (l1Fee 0x2353d65, operatorFeeScalar
# 0x12c, operatorFeeConstant 0x190) to every receipt the real anvil answers; then, for a withdrawal
# paid on it: the attempt records the rollup fee, the COMMIT's fee is gas x
# price + l1Fee + operator fee (Isthmus: gasUsed x scalar / 1e6 + constant), and verify_ledger()
# is clean. The arithmetic itself is the unit test RollupFee (on the recorded receipt).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "SELECT txrelay.set_risk_tier('fast', 0, 'included:1')" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'l2-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the sender's nonce"
proxy_mode '{"mode": "receipt_fields", "fields": {"l1Fee": "0x2353d65", "l1GasPrice": "0x1023dc7", "l1FeeScalar": "0.684", "operatorFeeScalar": "0x12c", "operatorFeeConstant": "0x190"}}'

w=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('l2-1', 'alice', 31337, 'ETH', '${DEV[5]}', 7000, 'fast')).withdrawal_id, gen_random_uuid(), 'l2-pd', 'e2e')).withdrawal_id")
mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" 100 || true
check "the withdrawal completed on receipts with rollup fee fields" \
  test "$(sql "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")" = t
operator_fee() { python3 -c "print($1 * 0x12c // 1000000 + 0x190)"; }
gas=$(sql "SELECT gas_used FROM txrelay.attempts WHERE withdrawal_id = '$w' AND status = 'included'")
price=$(sql "SELECT effective_gas_price FROM txrelay.attempts WHERE withdrawal_id = '$w' AND status = 'included'")
rollup=$(python3 -c "print(0x2353d65 + $(operator_fee "$gas"))")
check "the attempt records the rollup fee: l1Fee + the Isthmus operator fee ($rollup wei)" \
  test "$(sql "SELECT rollup_fee FROM txrelay.attempts WHERE withdrawal_id = '$w' AND status = 'included'")" = "$rollup"
check "the COMMIT carries the amount and, as its fee, gas x price + the rollup fee" \
  test "$(sql "SELECT amount || '/' || fee FROM txrelay.ledger_entries WHERE withdrawal_id = '$w' AND kind = 'COMMIT'")" = \
       "7000/$(python3 -c "print($gas * $price + $rollup)")"
check "the receipt on the node has no such fields (the proxy added them): the tracker read them, not anvil" \
  test "$(rpc eth_getTransactionReceipt "[\"$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$w' AND status = 'included'")\"]" | python3 -c 'import json,sys; print("l1Fee" in json.load(sys.stdin)["result"])')" = False
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
proxy_mode '{"mode": "pass"}'
finish
