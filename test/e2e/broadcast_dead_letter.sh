#!/usr/bin/env bash
# A fatal node error dead-letters with its error, and requeue_dead works once the cause is
# fixed: a client-signed transaction with gas 21000 meets a node whose block gas limit was cut to
# 19999 ("intrinsic gas too high" - never retried blindly); the limit is restored, the operator
# requeues, and the same bytes are mined. Also: the wake-up at commit starts a send within
# milliseconds, and a job whose lease a dead worker held is taken again once, and only once, the
# lease has expired.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', NULL, 0)" >/dev/null   # client-signed
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'dead-funding')" >/dev/null
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('dead-1', 'alice', 31337, 'ETH', '${DEV[7]}', 4242)).withdrawal_id, gen_random_uuid(), 'dead-pd-1', 'e2e')).withdrawal_id")
request=$(sql "SELECT signature_request_id FROM txrelay.pending_signature_requests(31337)")
raw=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce 0 --gas-limit 21000 --gas-price 2gwei \
        --priority-gas-price 1gwei "${DEV[7]}" --value 4242)

rpc anvil_setBlockGasLimit '["0x4e1f"]' >/dev/null
sql "SELECT attempt_id FROM txrelay.submit_signed('$request', decode('${raw#0x}', 'hex'))" >/dev/null
wait_for "SELECT status = 'dead' FROM txrelay.outbox WHERE withdrawal_id = '$id' AND kind = 'broadcast'" 20 "the dead letter"
check "a fatal node error dead-letters at the first try (no blind retry)" \
  test "$(sql "SELECT tries || '/' || (SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_sendRawTransaction') FROM txrelay.outbox WHERE withdrawal_id = '$id' AND kind = 'broadcast'")" = "1/1"
check "the dead letter carries the node's error and the identifiers" \
  test "$(sql "SELECT last_error LIKE '%intrinsic gas too high%' AND last_error LIKE '%withdrawal_id=$id%' AND last_error LIKE '%nonce_key=31337:${DEV[1]}:0%' AND last_error LIKE '%tx_hash=0x%' FROM txrelay.outbox WHERE withdrawal_id = '$id' AND kind = 'broadcast'")" = t
check "the send is classified fatal in the audit" \
  test "$(sql "SELECT error_class FROM txrelay.rpc_calls WHERE withdrawal_id = '$id' AND method = 'eth_sendRawTransaction'")" = fatal
check "the withdrawal waits, signed, nothing on chain" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")/$(rpc eth_getTransactionCount "[\"${DEV[1]}\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')" = "signed/0"

check "txrelay.alerts shows the dead letter: critical, with withdrawal_id, idempotency_key, nonce_key, attempt_id, tx_hash, outbox_id and the node's error" \
  test "$(sql "SELECT severity || '/' || idempotency_key || '/' || nonce_key || '/' || (attempt_id IS NOT NULL) || '/' || (tx_hash LIKE '0x%') || '/' || (details ->> 'outbox_id' IS NOT NULL) || '/' || (what LIKE '%intrinsic gas too high%') FROM txrelay.alerts WHERE alert = 'dead_letter' AND withdrawal_id = '$id'")" = "critical/dead-1/31337:${DEV[1]}:0/true/true/true/true"
rpc anvil_setBlockGasLimit '["0x1c9c380"]' >/dev/null   # the cause fixed: 30,000,000 again
outbox=$(sql "SELECT outbox_id FROM txrelay.outbox WHERE withdrawal_id = '$id' AND kind = 'broadcast'")
check "requeue_dead puts it back" test "$(sql "SELECT status FROM txrelay.requeue_dead($outbox)")" = pending
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 20 "the requeued send"
check "after requeue_dead the same bytes are sent and mined" check_chain --require-all-sent
check "still one attempt (the same signed bytes)" test "$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$id'")" = 1
check "the dead-letter alert cleared once requeued and sent" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'dead_letter'")" = 0

# Wake-up at commit: from the commit of submit_signed to the send leaving the worker.
request2_id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('dead-2', 'alice', 31337, 'ETH', '${DEV[7]}', 4243)).withdrawal_id, gen_random_uuid(), 'dead-pd-2', 'e2e')).withdrawal_id")
request2=$(sql "SELECT signature_request_id FROM txrelay.pending_signature_requests(31337)")
raw2=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce 1 --gas-limit 21000 --gas-price 2gwei \
         --priority-gas-price 1gwei "${DEV[7]}" --value 4243)
sql "SELECT attempt_id FROM txrelay.submit_signed('$request2', decode('${raw2#0x}', 'hex'))" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$request2_id'" 20 "the second send"
# (the event row of approved -> signed is append-only: its xmin is submit_signed's transaction)
ms=$(sql "SELECT round(extract(epoch FROM r.started_at - pg_xact_commit_timestamp(e.xmin)) * 1000) FROM txrelay.withdrawal_events e JOIN txrelay.rpc_calls r ON r.withdrawal_id = e.withdrawal_id AND r.method = 'eth_sendRawTransaction' WHERE e.withdrawal_id = '$request2_id' AND e.to_status = 'signed'")
echo "# commit of submit_signed -> eth_sendRawTransaction left the worker: $ms ms (idle_wake_ms is 200)"
check "the broadcaster woke at the commit, not on its idle timer (0 to 100 ms)" test "$ms" -ge 0 -a "$ms" -lt 100

# A lease held by a worker that died: its send job, leased in the same transaction that recorded
# the signed bytes (so this broadcaster never saw it pending), is left alone while the lease runs
# and taken again once it has expired (outbox_lease_expiry_idx).
id3=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('dead-3', 'alice', 31337, 'ETH', '${DEV[7]}', 4244)).withdrawal_id, gen_random_uuid(), 'dead-pd-3', 'e2e')).withdrawal_id")
request3=$(sql "SELECT signature_request_id FROM txrelay.pending_signature_requests(31337)")
raw3=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce 2 --gas-limit 21000 --gas-price 2gwei \
         --priority-gas-price 1gwei "${DEV[7]}" --value 4244)
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
BEGIN;
SELECT attempt_id FROM txrelay.submit_signed('$request3', decode('${raw3#0x}', 'hex'));
UPDATE txrelay.outbox SET status = 'leased', lease_owner = 'a worker that died', tries = 1,
                          lease_expires_at = now() + interval '1 hour'
 WHERE withdrawal_id = '$id3' AND kind = 'broadcast';
COMMIT;
SQL
sleep 1.5
check "a running lease of another worker is left alone" \
  test "$(sql "SELECT status || '/' || lease_owner || '/' || tries FROM txrelay.outbox WHERE withdrawal_id = '$id3' AND kind = 'broadcast'")/$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id3'")" = "leased/a worker that died/1/signed"
sql "UPDATE txrelay.outbox SET lease_expires_at = now() - interval '1 second' WHERE withdrawal_id = '$id3' AND kind = 'broadcast'" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id3'" 20 "the send of the expired lease"
check "the expired lease is taken again and sent once, its try counted" \
  test "$(sql "SELECT status || '/' || tries FROM txrelay.outbox WHERE withdrawal_id = '$id3' AND kind = 'broadcast'")/$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$id3' AND method = 'eth_sendRawTransaction'")" = "done/2/1"
finish
