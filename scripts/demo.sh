#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: installs what is missing, builds and
# installs txrelay, starts a local anvil chain and a throwaway PostgreSQL 15 cluster (pg_cron +
# txrelay preloaded, the broadcaster running) and runs scripts/demo.sql: a deposit, idempotent
# withdrawal requests, approval with nonce and signature request, the broadcaster signing and
# sending; then a client-signed withdrawal signed with cast and verified by submit_signed; then
# the receipts, from the node; then the tracker following them block by block to safe and
# finalized (anvil with 2 slots per epoch), settling the ledger with each receipt's fee, and the
# application's event feed; then a reconciliation run, a ledger checkpoint, and the metrics and
# (empty) alerts of the run. Everything started is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. scripts/anvil.sh

./scripts/deps.sh
log "building and installing txrelay"
make -s -j"$(nproc)" >/dev/null
as_root make -s install >/dev/null

trap 'cluster_stop; anvil_stop' EXIT
anvil_start --slots-in-an-epoch 2   # safe = 2 blocks deep, finalized = 4: finality in seconds
cluster_start txrelay_demo
psql -X -v VERBOSITY=default -v anvil_url="$ANVIL_URL" -f scripts/demo.sql 2>&1

# A client-signed hot wallet: the application signs (here with cast and anvil's public dev key
# #1) exactly what txrelay.pending_signature_requests() asks, and submit_signed verifies it.
echo
echo "== 11. Client-signed sender: sign what the signature request says, with cast"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT address, signer IS NULL AS client_signed FROM txrelay.add_sender(31337, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', NULL, 0);
SELECT address, status FROM txrelay.set_sender_status(31337, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'paused',
                                                      'demo: use the client-signed wallet');
SELECT status FROM txrelay.approve((txrelay.request_withdrawal('payout-2026-0005', 'customer-42', 31337, 'ETH',
       '0x90F79bf6EB2c4f870365E785982E1f101E93b906', 250000000000000000)).withdrawal_id, gen_random_uuid(), 'policy-run-7790', 'risk-engine');
SQL
IFS='|' read -r request_id from nonce to value < <(psql -X -At -c \
  "SELECT signature_request_id, from_address, nonce, to_address, value FROM txrelay.pending_signature_requests(31337)")
echo "signature request $request_id: from $from, nonce $nonce, to $to, value $value"
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d   # anvil dev account #1 (public test key)
sign() { .tools/bin/cast mktx --private-key "$KEY1" --chain 31337 --nonce "$nonce" --gas-limit 21000 \
           --gas-price 2gwei --priority-gas-price 1gwei "$to" --value "$1"; }
raw=$(sign "$value")
tampered=$(sign "$((value + 1))")
psql -X -v VERBOSITY=default -v raw="$raw" -v tampered="$tampered" -v req="$request_id" <<'SQL'
\echo '-- decode_raw_tx shows what was signed'
SELECT j->>'type' AS type, j->>'nonce' AS nonce, j->>'to' AS to, j->>'value' AS value, j->>'sender' AS sender, j->>'hash' AS tx_hash
  FROM txrelay.decode_raw_tx(decode(substr(:'raw', 3), 'hex')) AS j;
\echo '-- a copy signed for 1 wei more is refused (TR004 names the field)'
SELECT txrelay.submit_signed(:'req', decode(substr(:'tampered', 3), 'hex'));
\echo '-- the exact transaction is accepted: attempt stored (bytes and hash) and its broadcast queued'
SELECT attempt_id, tx_type, nonce, '0x' || encode(tx_hash, 'hex') AS tx_hash, status
  FROM txrelay.submit_signed(:'req', decode(substr(:'raw', 3), 'hex'));
DO $wait$ BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN (SELECT status FROM txrelay.withdrawals WHERE idempotency_key = 'payout-2026-0005') = 'broadcasted';
    PERFORM pg_sleep(0.05);
  END LOOP;
END $wait$;
\echo '-- the broadcaster sent the client-signed bytes as they were'
SELECT w.status, o.kind AS outbox, o.status AS outbox_status
  FROM txrelay.withdrawals w JOIN txrelay.outbox o USING (withdrawal_id)
 WHERE w.idempotency_key = 'payout-2026-0005' AND o.kind = 'broadcast';
SELECT * FROM txrelay.verify_ledger();
SQL

echo
echo "== 12. On chain, from the node: every withdrawal's transaction and its receipt"
psql -X -At -F ' ' -c "SELECT w.idempotency_key, '0x' || encode(a.tx_hash, 'hex'), w.to_address, w.amount
                         FROM txrelay.withdrawals w JOIN txrelay.attempts a USING (withdrawal_id)
                        WHERE a.status IN ('sent', 'included') ORDER BY w.created_at" |
while read -r key hash to amount; do
  status=$(.tools/bin/cast receipt "$hash" status --rpc-url "$ANVIL_URL")
  block=$(.tools/bin/cast receipt "$hash" blockNumber --rpc-url "$ANVIL_URL")
  value=$(.tools/bin/cast tx "$hash" value --rpc-url "$ANVIL_URL")
  echo "$key: tx $hash mined in block $block, status $status, paid $value wei to $to (requested $amount)"
done
echo
echo "== 13. Tracker: each new block, the withdrawals' level (tiers: 'small' completes at included:2, 'standard' at finalized)"
await_tracker() {   # the tracker polls every second; wait until it has read the node's latest block
  local want
  want=$(.tools/bin/cast block-number --rpc-url "$ANVIL_URL")
  for _ in $(seq 1 100); do
    [ "$(psql -X -At -c "SELECT latest_number FROM txrelay.chain_heads WHERE chain_id = 31337")" = "$want" ] && return 0
    sleep 0.1
  done
}
await_tracker
mined_blocks=0
while :; do
  psql -X -At -F ' ' -c "SELECT 'block ' || latest_number || ' (safe ' || safe_number || ', finalized ' || finalized_number || '):',
                                (SELECT string_agg(idempotency_key || '=' || status || CASE WHEN completed_at IS NOT NULL THEN ' (completed)' ELSE '' END, ', '
                                                   ORDER BY created_at) FROM txrelay.withdrawals WHERE status NOT IN ('rejected', 'cancelled'))
                           FROM txrelay.chain_heads WHERE chain_id = 31337"
  [ "$(psql -X -At -c "SELECT count(*) FROM txrelay.withdrawals WHERE status NOT IN ('finalized', 'rejected', 'cancelled', 'failed')")" = 0 ] && break
  [ $mined_blocks -lt 12 ] || die "the withdrawals did not reach finalized within 12 blocks"
  .tools/bin/cast rpc evm_mine --rpc-url "$ANVIL_URL" >/dev/null
  mined_blocks=$((mined_blocks + 1))
  await_tracker
done

echo
echo "== 14. Settled: COMMIT of each amount with the fee the receipt burned (gas used x effective gas price, from the node)"
psql -X -At -F ' ' -c "SELECT w.idempotency_key, '0x' || encode(a.tx_hash, 'hex'), l.amount, l.fee
                         FROM txrelay.withdrawals w JOIN txrelay.attempts a ON a.withdrawal_id = w.withdrawal_id AND a.status = 'included'
                         JOIN txrelay.ledger_entries l ON l.withdrawal_id = w.withdrawal_id AND l.kind = 'COMMIT' ORDER BY w.created_at" |
while read -r key hash amount fee; do
  gas=$(.tools/bin/cast receipt "$hash" gasUsed --rpc-url "$ANVIL_URL")
  price=$(.tools/bin/cast receipt "$hash" effectiveGasPrice --rpc-url "$ANVIL_URL")
  echo "$key: COMMIT $amount wei, fee $fee wei; the node's receipt: $gas gas x $price wei = $((gas * price)) wei"
done
psql -X -v VERBOSITY=default <<'SQL'
\echo '-- the customer account: nothing reserved any more, the amounts spent'
SELECT * FROM txrelay.balance('customer-42', 31337, 'ETH');
SELECT * FROM txrelay.verify_ledger();
\echo '-- the feed of the application (txrelay.events_since): each event once, in commit order'
SELECT idempotency_key, event, coalesce(to_status, '') AS to_status, left(coalesce(reason, ''), 70) AS reason
  FROM txrelay.events_since(NULL) WHERE event <> 'status' OR to_status IN ('included', 'safe', 'finalized');
SQL

echo
echo "== 15. Operations: a reconciliation run against the node, a ledger checkpoint, the metrics and the alerts of this run"
psql -X -v VERBOSITY=default -v ON_ERROR_STOP=1 <<'SQL'
\echo '-- txrelay.reconcile() queues a run (pg_cron would call it); the tracker compares each hot wallet with the chain'
SELECT txrelay.reconcile() AS run_id \gset
DO $wait$ BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN NOT EXISTS (SELECT FROM txrelay.reconciliation_runs WHERE status IN ('requested', 'running'));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $wait$;
SELECT run_id, status, findings, e ->> 'sender' AS sender, e ->> 'db_next_nonce' AS db_next_nonce,
       e ->> 'chain_mined' AS chain_mined, e ->> 'balance' AS balance_wei, domain_counts -> 'disagreements' AS disagreements
  FROM txrelay.reconciliation_runs, jsonb_array_elements(report) e WHERE run_id = :run_id;
\echo '-- a ledger checkpoint (the tracker takes one every txrelay.ledger_checkpoint_interval), then the full verification'
SELECT version, taken_at, '0x' || encode(hash, 'hex') AS hash FROM txrelay.take_ledger_checkpoint();
SELECT count(*) AS problems FROM txrelay.verify_ledger(full_history => true);
\echo '-- txrelay.metrics (also as txrelay.prometheus() text and docs/monitoring/postgres_exporter_queries.yaml)'
SELECT metric, CASE WHEN labels = '{}' THEN '' ELSE labels::text END AS labels, round(value::numeric, 3) AS value
  FROM txrelay.metrics WHERE value <> 0 OR metric LIKE 'txrelay_alerts' ORDER BY metric, labels::text;
\echo '-- txrelay.alerts: nothing needs a person after this run'
SELECT severity, alert, what FROM txrelay.alerts;
SQL
log "demo finished"
