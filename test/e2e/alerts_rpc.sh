#!/usr/bin/env bash
# An RPC endpoint failing for real raises txrelay.alerts' rpc_errors, and it clears when the
# endpoint recovers: the fault proxy answers every request with HTTP 500 while a withdrawal waits
# to be sent; then the proxy passes again, the withdrawal goes out, and the failures leave the
# alert window. Thresholds for a short test: window 8 s, at least 3 calls, 20 % failing.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "ALTER SYSTEM SET txrelay.alert_rpc_window = '8s'" >/dev/null
sql "ALTER SYSTEM SET txrelay.alert_rpc_min_calls = 3" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'alerts-funding')" >/dev/null
PROXY_ENDPOINT=$(sql "SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = '$PROXY_URL'")
target=$(sql "SELECT url_redacted FROM txrelay.rpc_endpoints WHERE endpoint_id = $PROXY_ENDPOINT")

proxy_mode '{"mode": "http_500", "method": null}'
id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('alerts-rpc-1', 'alice', 31337, 'ETH', '${DEV[5]}', 12345)).withdrawal_id, gen_random_uuid(), 'alerts-rpc-pd', 'e2e')).withdrawal_id")
wait_for "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'rpc_errors' AND details ->> 'target' = '$target'" 30 "the rpc_errors alert"
check "the node answering HTTP 500 to everything: a critical rpc_errors alert naming the endpoint, with the outcome counts" \
  test "$(sql "SELECT severity || '/' || chain_id || '/' || (details ->> 'endpoint_id') || '/' || (what LIKE '%http_5xx%') FROM txrelay.alerts WHERE alert = 'rpc_errors' AND details ->> 'target' = '$target'")" = "critical/31337/$PROXY_ENDPOINT/true"
check "the withdrawal waits, approved or signed, its outbox row retrying (nothing failed because the node is down)" \
  test "$(sql "SELECT status IN ('approved', 'signed') FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")/$(sql "SELECT bool_and(status IN ('pending', 'leased', 'done')) FROM txrelay.outbox WHERE withdrawal_id = '$id'")" = "t/t"

proxy_mode '{"mode": "pass"}'
wait_for "SELECT status = 'broadcasted' OR status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 30 "the send after recovery"
wait_for "SELECT count(*) = 0 FROM txrelay.alerts WHERE alert = 'rpc_errors'" 30 "the alert to clear"
check "the endpoint recovered: the withdrawal went out and the alert cleared" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'rpc_errors'")/$(sql "SELECT status NOT IN ('approved', 'signed') FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = "0/t"
check "every transaction on chain once, at its nonce, paying its recipient" check_chain --require-all-sent
finish
