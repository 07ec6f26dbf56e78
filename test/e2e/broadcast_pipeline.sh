#!/usr/bin/env bash
# End to end on anvil (automine): 200 withdrawals from 4 senders through request_withdrawal ->
# approve -> signed by anvil's dev accounts via eth_signTransaction -> on chain. Checked against
# the node: every withdrawal's transaction is on chain exactly once, at its reserved nonce, with
# the right recipient and amount, and the recipients' balances grew by exactly what was sent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

N=${N_WITHDRAWALS:-200}
for i in 0 1 2 3; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil')" >/dev/null; done
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the broadcaster to read the senders' nonces from the chain"
check "the broadcaster read each sender's nonce from the chain (add_sender gave none)" \
  test "$(sql "SELECT string_agg(DISTINCT next_nonce::text, ',') FROM txrelay.senders")" = "0"
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'pipeline-funding')" >/dev/null

declare -A before
for r in 4 5 6 7 8 9; do before[$r]=$("$CAST" balance "${DEV[$r]}" --rpc-url "$ANVIL_URL"); done

script=$(mktemp)
for k in $(seq 1 "$N"); do
  r=$((4 + k % 6))
  echo "SELECT txrelay.approve((txrelay.request_withdrawal('pipeline-$k', 'alice', 31337, 'ETH', '${DEV[$r]}', $((1000000000000000 + k)))).withdrawal_id, gen_random_uuid(), 'pipeline-pd-$k', 'e2e');"
done >"$script"
unstick_start
started=$SECONDS
psql -X -q -v ON_ERROR_STOP=1 -f "$script" >/dev/null
rm -f "$script"
wait_for "SELECT count(*) = $N FROM txrelay.withdrawals WHERE status = 'broadcasted'" 180 "all $N withdrawals to be broadcast"
echo "# $N withdrawals requested, approved, signed and sent in $((SECONDS - started)) s"
wait_mined 60

check "every withdrawal's transaction is on chain once, at its nonce, paying its recipient its amount" check_chain --require-all-sent
check "4 senders, 50 nonces each (0..49, no gap)" \
  test "$(sql "SELECT string_agg(n::text, ',') FROM (SELECT count(*) n FROM txrelay.nonce_reservations GROUP BY from_address HAVING max(nonce) = count(*) - 1 AND min(nonce) = 0) x")" = "50,50,50,50"
check "one signature and one attempt per withdrawal" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_signTransaction' AND outcome = 'ok'")/$(sql "SELECT count(*) FROM txrelay.attempts")" = "$N/$N"
check "every send was accepted at the first try" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method = 'eth_sendRawTransaction' AND outcome = 'ok'")" = "$N"
check "the outbox is drained, no dead letter" \
  test "$(sql "SELECT count(*) FILTER (WHERE status <> 'done') FROM txrelay.outbox")" = "0"
check "every RPC call is audited with the withdrawal's identifiers" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method IN ('eth_signTransaction', 'eth_sendRawTransaction', 'eth_estimateGas') AND (withdrawal_id IS NULL OR nonce_key IS NULL OR idempotency_key IS NULL)")" = "0"
check "every gas estimate names its block, latest (nodes differ when it is left out; decision 90)" \
  test "$(sql "SELECT count(*) FILTER (WHERE request::jsonb -> 'params' ->> 1 = 'latest') || '/' || count(*) FROM txrelay.rpc_calls WHERE method = 'eth_estimateGas'")" = "$N/$N"
for r in 4 5 6 7 8 9; do
  after=$("$CAST" balance "${DEV[$r]}" --rpc-url "$ANVIL_URL")
  expected=$(sql "SELECT ${before[$r]}::numeric + coalesce(sum(amount), 0) FROM txrelay.withdrawals WHERE to_address = '${DEV[$r]}'")
  check "recipient ${DEV[$r]} received exactly its withdrawals" test "$after" = "$expected"
done
check "verify_ledger() finds nothing" test -z "$(sql "SELECT * FROM txrelay.verify_ledger()")"
finish
