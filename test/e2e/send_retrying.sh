#!/usr/bin/env bash
# A node unreachable for longer than the broadcaster's tries budget (decision 55): the signed
# withdrawal is not given up - a dead letter would leave its reserved nonce unused and every later
# withdrawal of the hot wallet stuck behind it - but keeps retrying at the longest delay, with the
# send_retrying alert (critical, with the identifiers); when the node is back it is sent, the
# next withdrawal of the same wallet goes through behind it, and the alert clears. Then an empty
# hot wallet (anvil_setBalance): anvil's "insufficient funds" is classified so, the withdrawal
# waits signed and named, and once the wallet is funded again it is sent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "ALTER SYSTEM SET txrelay.broadcaster_max_tries = 3" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
fund_one_sender retrying

proxy_mode '{"mode": "http_500", "method": "eth_sendRawTransaction", "count": 1000000}'
w1=$(approve_new retrying-1)
wait_for "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'send_retrying'" 30 "send_retrying"
check "past its tries the row keeps retrying instead of becoming a dead letter" \
  test "$(sql "SELECT (status IN ('pending', 'leased')) || '/' || (tries >= 3) || '/' || (last_error LIKE 'still failing after % tries, retrying every % ms: %') FROM txrelay.outbox WHERE withdrawal_id = '$w1' AND kind = 'broadcast'")/$(sql "SELECT count(*) FROM txrelay.outbox WHERE status = 'dead'")" = "true/true/true/0"
check "send_retrying is critical and carries the identifiers" \
  test "$(sql "SELECT severity || '/' || (withdrawal_id = '$w1') || '/' || (idempotency_key = 'retrying-1') || '/' || (nonce_key IS NOT NULL) || '/' || (attempt_id IS NOT NULL) || '/' || (tx_hash IS NOT NULL) FROM txrelay.alerts WHERE alert = 'send_retrying'")" = "critical/true/true/true/true/true"
w2=$(approve_new retrying-2)
proxy_mode '{"mode": "pass"}'
wait_for "SELECT count(*) = 2 FROM txrelay.withdrawals WHERE status = 'broadcasted'" 30 "both sent once the node answers"
check "when the node is back both are sent, in nonce order" test "$(tx_count "${DEV[0]}")" = 2
check "and the alert clears" test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'send_retrying'")" = 0

funds=$(rpc eth_getBalance "[\"${DEV[0]}\", \"latest\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
rpc anvil_setBalance "[\"${DEV[0]}\", \"0x1000\"]" >/dev/null
w3=$(approve_new retrying-poor)
wait_for "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$w3' AND error_class = 'insufficient_funds'" 30 "the refusal"
check "an empty hot wallet: anvil's words classified insufficient_funds; the withdrawal waits signed, the hot wallet named" \
  test "$(sql "SELECT w.status || '/' || (o.last_error LIKE '%${DEV[0]}%') FROM txrelay.withdrawals w JOIN txrelay.outbox o ON o.withdrawal_id = w.withdrawal_id AND o.kind = 'broadcast' WHERE w.withdrawal_id = '$w3'")" = signed/true
rpc anvil_setBalance "[\"${DEV[0]}\", \"$funds\"]" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w3'" 30 "sent once funded"
check "funded again, it is sent" test "$(tx_count "${DEV[0]}")" = 3
finish
