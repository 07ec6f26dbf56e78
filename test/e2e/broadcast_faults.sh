#!/usr/bin/env bash
# Each fault class of DESIGN §6, injected by the proxy into eth_sendRawTransaction: every test
# ends with exactly one transaction at the withdrawal's nonce on chain, the fault's outcome class
# in rpc_calls, and one signature only - an unknown outcome leads to a status check and a resend
# of the same bytes, never to a second signature.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'faults-funding')" >/dev/null
PROXY_ENDPOINT=$(sql "SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = '$PROXY_URL'")
# Timeouts short enough for the tests: the proxy's delay (3 s) is past the read timeout.
sql "SELECT txrelay.set_rpc_endpoint($PROXY_ENDPOINT, request_timeout_ms => 1500, connect_timeout_ms => 500)" >/dev/null

n=0
# fault_case "name" 'proxy rule' "expected outcome class of a send" ["expected error class"]
fault_case() {
  local name=$1 rule=$2 outcome=$3 error_class=${4:-}
  n=$((n + 1))
  proxy_mode "$rule"
  local id
  id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('fault-$n', 'alice', 31337, 'ETH', '${DEV[5]}', $((1000 + n)))).withdrawal_id, gen_random_uuid(), 'fault-pd-$n', 'e2e')).withdrawal_id")
  if ! wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 30 "$name: broadcast"; then
    not_ok "$name: the withdrawal is broadcast despite the fault"
    return
  fi
  proxy_mode '{"mode": "pass"}'
  check "$name: the withdrawal is broadcast despite the fault" true
  check "$name: '$outcome' is recorded for the send" \
    test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_sendRawTransaction' AND outcome = '$outcome'")" = t
  if [ -n "$error_class" ]; then
    check "$name: the node's answer is classified '$error_class'" \
      test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_sendRawTransaction' AND error_class = '$error_class'")" = t
  fi
  check "$name: signed once (one eth_signTransaction, one attempt)" \
    test "$(sql "SELECT (SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_signTransaction') || '/' || (SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$id')")" = "1/1"
  check "$name: every send carried the same bytes (one tx hash)" \
    test "$(sql "SELECT count(DISTINCT tx_hash) FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_sendRawTransaction'")" = 1
}

fault_case "HTTP 429" '{"mode": "http_429", "method": "eth_sendRawTransaction", "count": 1}' http_429
fault_case "HTTP 500" '{"mode": "http_500", "method": "eth_sendRawTransaction", "count": 1}' http_5xx
fault_case "not JSON-RPC" '{"mode": "garbage", "method": "eth_sendRawTransaction", "count": 1}' bad_response
check "not JSON-RPC: the audit keeps the body's size and kind, not the body (issue 18)" \
  test "$(sql "SELECT string_agg(response, ',') FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n' AND method = 'eth_sendRawTransaction' AND outcome = 'bad_response'")" = "not kept: 33 bytes, not JSON"
check "HTTP 429: a small JSON body is kept as it is" \
  test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-1' AND outcome = 'http_429' AND response = '{\"error\":\"rate limited\"}'")" = t
fault_case "read timeout after the node took it" '{"mode": "delay", "delay_ms": 3000, "method": "eth_sendRawTransaction", "count": 1}' read_timeout
check "read timeout: the status check found it, no resend was needed" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n' AND method = 'eth_getTransactionByHash' AND outcome = 'ok'")/$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n' AND method = 'eth_sendRawTransaction'")" = "1/1"
fault_case "reset after the request was sent" '{"mode": "reset_after_send", "method": "eth_sendRawTransaction", "count": 1}' send_failed
fault_case "request swallowed (read timeout, nothing happened)" '{"mode": "blackhole", "method": "eth_sendRawTransaction", "count": 1}' read_timeout
check "swallowed: status check, then the same bytes resent" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n' AND method = 'eth_sendRawTransaction'")" = 2
fault_case "HTTP 500 after the node took it" '{"mode": "http_500_after", "method": "eth_sendRawTransaction", "count": 1}' http_5xx
check "HTTP 500 after the node took it: the retry looked it up and sent nothing again (issue 19)" \
  test "$(sql "SELECT count(*) FILTER (WHERE method = 'eth_getTransactionByHash') > 0 AND count(*) FILTER (WHERE method = 'eth_sendRawTransaction') = 1 FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n'")" = t
fault_case "HTTP 429 while signing (estimate)" '{"mode": "http_429", "method": "eth_estimateGas", "count": 2}' ok

# Failover: a second endpoint; the first refuses connections.
sql "SELECT txrelay.add_rpc_endpoint(31337, '$ANVIL_URL', 10)" >/dev/null
fault_case "connection refused, failover" '{"mode": "refuse"}' ok
check "connection refused: connect_failed recorded on the first endpoint, the withdrawal went through the second" \
  test "$(sql "SELECT (SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE outcome = 'connect_failed' AND endpoint_id = $PROXY_ENDPOINT) AND (SELECT bool_and(endpoint_id <> $PROXY_ENDPOINT) FROM txrelay.rpc_calls WHERE idempotency_key = 'fault-$n' AND method = 'eth_sendRawTransaction' AND outcome = 'ok')")" = t
proxy_mode '{"mode": "pass"}'

# The per-endpoint rate limit is ours: work waits for a token, it never fails because of it.
sql "SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => false) FROM txrelay.rpc_endpoints WHERE endpoint_id <> $PROXY_ENDPOINT" >/dev/null
sql "SELECT txrelay.set_rpc_endpoint($PROXY_ENDPOINT, max_requests_per_sec => 4)" >/dev/null
before=$(sql "SELECT coalesce(max(call_id), 0) FROM txrelay.rpc_calls")
for k in $(seq 1 8); do
  sql "SELECT txrelay.approve((txrelay.request_withdrawal('rate-$k', 'alice', 31337, 'ETH', '${DEV[5]}', $((5000 + k)))).withdrawal_id, gen_random_uuid(), 'rate-pd-$k', 'e2e')" >/dev/null
done
wait_for "SELECT count(*) = 8 FROM txrelay.withdrawals WHERE idempotency_key LIKE 'rate-%' AND status = 'broadcasted'" 60 "rate-limited sends"
check "rate limit 4/s: all 8 withdrawals went through, none failed or dead" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'rate-%' AND status = 'broadcasted'")/$(sql "SELECT count(*) FROM txrelay.outbox WHERE status = 'dead'")" = "8/0"
echo "# rate: $(sql "SELECT count(DISTINCT correlation_id) || ' requests in ' || round(extract(epoch FROM max(started_at) - min(started_at))::numeric, 2) || ' s' FROM txrelay.rpc_calls WHERE call_id > $before AND endpoint_id = $PROXY_ENDPOINT")"
check "rate limit 4/s: requests to the endpoint never beat one second's burst plus 4 per second" \
  test "$(sql "SELECT count(DISTINCT correlation_id) <= 4 + 4 * ceil(extract(epoch FROM max(started_at) - min(started_at))) FROM txrelay.rpc_calls WHERE call_id > $before AND endpoint_id = $PROXY_ENDPOINT")" = t

# A signer that signs something other than what was asked, in a round with two honest signatures
# (one eth_signTransaction request for the three): the refused one is a dead letter, the two
# others are recorded and sent from the same round (its records fall back to one subtransaction
# each). Then the dead letter, requeued, is signed as asked.
sql "SELECT txrelay.add_signer('via-proxy', '$PROXY_URL')" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', 'via-proxy', 0)" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders WHERE address = '${DEV[1]}'" 30 "tamper: the second sender's nonce" >/dev/null
sql "SELECT txrelay.set_sender_status(31337, '${DEV[0]}', 'paused', 'e2e: the tamper case signs through the proxy')" >/dev/null
for k in 1 2 3; do
  sql "SELECT txrelay.request_withdrawal('tamper-$k', 'alice', 31337, 'ETH', '${DEV[5]}', $((7000 + k)))" >/dev/null
done
proxy_mode '{"mode": "tamper_sign", "method": "eth_signTransaction", "count": 1}'
sql "SELECT count(*) FROM txrelay.approve_withdrawals((SELECT jsonb_agg(jsonb_build_object('withdrawal_id', withdrawal_id,
       'approval_id', gen_random_uuid(), 'policy_decision_id', 'tamper-pd-' || idempotency_key, 'decided_by', 'e2e')
       ORDER BY idempotency_key) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'tamper-%'))" >/dev/null
wait_for "SELECT count(*) = 3 FROM txrelay.outbox o JOIN txrelay.withdrawals w USING (withdrawal_id)
          WHERE w.idempotency_key LIKE 'tamper-%' AND (o.status = 'dead' OR o.kind = 'broadcast' AND o.status = 'done')" 30 \
  "tamper: the round's outcome" || true
proxy_mode '{"mode": "pass"}'
check "tamper: the three were signed in one request (one round)" \
  test "$(sql "SELECT count(DISTINCT correlation_id) || '/' || count(*) FROM txrelay.rpc_calls WHERE method = 'eth_signTransaction' AND idempotency_key LIKE 'tamper-%'")" = "1/3"
check "tamper: the signature of something else is a dead letter naming submit_signed's refusal" \
  test "$(sql "SELECT count(*) FILTER (WHERE o.last_error LIKE '%refused by submit_signed%') || '/' || count(*) FROM txrelay.outbox o
               JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key LIKE 'tamper-%' AND o.status = 'dead'")" = "1/1"
check "tamper: the two honest signatures of the same round were recorded and sent" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'tamper-%' AND status = 'broadcasted'")" = 2
check "tamper: no attempt holds the tampered transaction" \
  test "$(sql "SELECT count(*) FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key LIKE 'tamper-%'")" = 2
sql "SELECT txrelay.requeue_dead(o.outbox_id) FROM txrelay.outbox o JOIN txrelay.withdrawals w USING (withdrawal_id)
      WHERE w.idempotency_key LIKE 'tamper-%' AND o.status = 'dead'" >/dev/null
wait_for "SELECT count(*) = 3 FROM txrelay.withdrawals WHERE idempotency_key LIKE 'tamper-%' AND status = 'broadcasted'" 30 "tamper: requeued" >/dev/null
check "tamper: requeued, the dead letter is signed as asked and sent" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'tamper-%' AND status = 'broadcasted'")" = 3
sql "SELECT txrelay.set_sender_status(31337, '${DEV[0]}', 'active', 'e2e: the tamper case is over')" >/dev/null

check "on chain: one transaction per nonce, each the withdrawal's own" check_chain --require-all-sent
check "no dead letter" test "$(sql "SELECT count(*) FROM txrelay.outbox WHERE status = 'dead'")" = 0
check "the audit never shows an endpoint secret or a raw URL column" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE target IS NULL AND endpoint_id IS NOT NULL")" = 0
finish
