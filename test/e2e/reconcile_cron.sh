#!/usr/bin/env bash
# Reconciliation for real: txrelay.reconcile() returns at once even with the node failing (the run
# then fails and says so); scheduled with pg_cron (cron.schedule, every minute - pg_cron 1.4's
# finest grain), the job really runs and the tracker performs the run against anvil: a hot wallet
# whose nonce was used outside txrelay is held with that transaction recorded (decision 79; a
# client-signed one is quarantined), one whose balance is below what its open withdrawals need
# raises hot_wallet_low, and a later run after a top-up clears it.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup
KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null       # next nonce read from the chain
sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', NULL, 0)" >/dev/null       # client-signed: its withdrawal waits for a signature
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'rec-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"
sql "SELECT txrelay.set_sender_status(31337, '${DEV[0]}', 'paused', 'e2e: DEV0 only watched here')" >/dev/null
w1=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('rec-1', 'alice', 31337, 'ETH', '${DEV[6]}', 3000000000000000000)).withdrawal_id, gen_random_uuid(), 'rec-pd-1', 'e2e')).withdrawal_id")
rpc anvil_setBalance "[\"${DEV[1]}\", \"0xde0b6b3a7640000\"]" >/dev/null   # 1 ETH, the withdrawal needs 3
sql "SELECT txrelay.set_sender_status(31337, '${DEV[0]}', 'active', 'e2e')" >/dev/null
# Someone else uses DEV0's next nonce.
outside=$("$CAST" send --private-key "$KEY0" --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transactionHash"])')

# 1. The node failing: reconcile() does not wait for it; the run fails and is alerted.
proxy_mode '{"mode": "http_500", "method": null}'
ms=$(psql -X -At -c "\\timing on" -c "SELECT txrelay.reconcile()" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
wait_for "SELECT status = 'failed' FROM txrelay.reconciliation_runs ORDER BY run_id DESC LIMIT 1" 60 "the failed run"
check "reconcile() returned in $ms ms with the node failing; the run failed and said why" \
  test "$(python3 -c "print(float('$ms') < 500)")/$(sql "SELECT error LIKE 'chain 31337: cannot read%' FROM txrelay.reconciliation_runs ORDER BY run_id DESC LIMIT 1")" = "True/t"
check "a failed run is a reconciliation_failed alert" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'reconciliation_failed'")" = 1
proxy_mode '{"mode": "pass"}'

# 2. pg_cron runs it.
sql "CREATE EXTENSION pg_cron" >/dev/null
before=$(sql "SELECT max(run_id) FROM txrelay.reconciliation_runs")
sql "SELECT cron.schedule('txrelay-reconcile', '* * * * *', 'SELECT txrelay.reconcile()')" >/dev/null
wait_for "SELECT count(*) > 0 FROM txrelay.reconciliation_runs WHERE run_id > $before AND status = 'done'" 90 "the scheduled run"
check "the pg_cron job ran SELECT txrelay.reconcile() and succeeded" \
  test "$(sql "SELECT bool_and(status = 'succeeded') AND count(*) > 0 FROM cron.job_run_details WHERE command = 'SELECT txrelay.reconcile()' AND status <> 'running'")" = t
run=$(sql "SELECT min(run_id) FROM txrelay.reconciliation_runs WHERE run_id > $before AND status = 'done'")
mined0=$(rpc eth_getTransactionCount "[\"${DEV[0]}\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')
check "the run's report has the node's nonce count ($mined0) and balance for each sender" \
  test "$(sql "SELECT string_agg((e ->> 'sender') || '=' || (e ->> 'chain_mined'), ',' ORDER BY e ->> 'sender') FROM txrelay.reconciliation_runs, jsonb_array_elements(report) e WHERE run_id = $run")" = "${DEV[1]}=0,${DEV[0]}=$mined0"
check "the run counted the domain from three sources, and they agree (requested = in flight, RESERVE entries, open reservations)" \
  test "$(sql "SELECT (domain_counts ->> 'requested') || '/' || (domain_counts ->> 'in_flight') || '/' || (domain_counts ->> 'reserve_entries') || '/' || (domain_counts ->> 'open_reservations') || '/' || (domain_counts -> 'disagreements') FROM txrelay.reconciliation_runs WHERE run_id = $run")" = "$(sql "SELECT count(*) FROM txrelay.withdrawals")/$(sql "SELECT count(*) FROM txrelay.withdrawals")/$(sql "SELECT count(*) FROM txrelay.withdrawals")/$(sql "SELECT count(*) FROM txrelay.withdrawals")/[]"
check "the wallet whose nonce was used outside txrelay: the run records that transaction ($outside), checked, and holds the wallet (decision 79)" \
  test "$(sql "SELECT '0x' || encode(tx_hash, 'hex') || '/' || (found_by_run = $run) FROM txrelay.unknown_transactions WHERE from_address = '${DEV[0]}'")/$(sql "SELECT status FROM txrelay.senders WHERE address = '${DEV[0]}'")" = "$outside/true/active"
check "its alert is critical and names the transaction" \
  test "$(sql "SELECT severity || '/' || tx_hash FROM txrelay.alerts WHERE alert = 'unknown_transaction' AND details ->> 'sender' = '${DEV[0]}'")" = "critical/$outside"
check "the wallet holding 1 ETH for a 3 ETH withdrawal: hot_wallet_low, critical, with balance and need; not quarantined" \
  test "$(sql "SELECT severity || '/' || (details ->> 'balance') || '/' || (details ->> 'need') FROM txrelay.alerts WHERE alert = 'hot_wallet_low' AND details ->> 'sender' = '${DEV[1]}'")/$(sql "SELECT status FROM txrelay.senders WHERE address = '${DEV[1]}'")" = "critical/1000000000000000000/3000000000000000000/active"

# 3. Topped up: the next run clears it.
sql "SELECT cron.unschedule('txrelay-reconcile')" >/dev/null
rpc anvil_setBalance "[\"${DEV[1]}\", \"0x56bc75e2d63100000\"]" >/dev/null   # 100 ETH
next=$(sql "SELECT txrelay.reconcile(31337)")   # this chain only
wait_for "SELECT status = 'done' FROM txrelay.reconciliation_runs WHERE run_id = $next" 30 "the run after the top-up"
check "after the top-up the next run finds the balance enough: hot_wallet_low cleared" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'hot_wallet_low'")" = 0
check "the withdrawal itself was never touched (approved, waiting for its signature)" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'")" = approved

# 4. A tracker killed mid-run leaves the run 'running'; reconcile() keeps returning it (no pile-up),
#    and the restarted tracker takes it up again instead of leaving it stuck for ever.
stuck=$(sql "INSERT INTO txrelay.reconciliation_runs (status, started_at) VALUES ('running', now()) RETURNING run_id")
check "while a run is marked running, reconcile() returns it" test "$(sql "SELECT txrelay.reconcile()")" = "$stuck"
tracker=$(sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay tracker'")
kill -9 "$tracker"
for _ in $(seq 1 300); do psql -X -q -At -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done   # crash restart
wait_for "SELECT status = 'done' FROM txrelay.reconciliation_runs WHERE run_id = $stuck" 60 "the resumed run"
check "after the tracker's kill -9 the restarted tracker resumed the run and finished it" \
  test "$(sql "SELECT status || '/' || (jsonb_array_length(report) = 2) FROM txrelay.reconciliation_runs WHERE run_id = $stuck")" = "done/true"
# 5. The key of a client-signed wallet used outside txrelay: txrelay cannot adopt for a wallet it
#    does not sign for, so the run quarantines it, as before decision 79.
"$CAST" send --private-key "$KEY1" --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 1 >/dev/null
client_run=$(sql "SELECT txrelay.reconcile(31337)")
wait_for "SELECT status = 'done' FROM txrelay.reconciliation_runs WHERE run_id = $client_run" 30 "the run after the client-signed wallet's foreign send"
check "a client-signed wallet whose nonce was used outside txrelay is quarantined by the run" \
  test "$(sql "SELECT status || '/' || (status_reason LIKE 'reconciliation run $client_run: the chain has mined %') FROM txrelay.senders WHERE address = '${DEV[1]}'")" = "quarantined/true"
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0
finish
