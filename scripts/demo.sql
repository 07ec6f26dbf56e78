-- txrelay demo: from a deposit to a withdrawal on chain - idempotent request, approval with its
-- nonce and signature request, the broadcaster signing through anvil's eth_signTransaction and
-- sending - and what the database refuses. Run by scripts/demo.sh (psql variable anvil_url).
\set ON_ERROR_STOP on
\pset footer off
\set QUIET on
CREATE EXTENSION txrelay;
\set QUIET off

\echo '== 1. Operator: a chain (anvil, 31337), its endpoint, its signer, a hot wallet, risk tiers'
SELECT chain_id, name, native_symbol FROM txrelay.add_chain(31337, 'anvil local');
SELECT txrelay.add_rpc_endpoint(31337, :'anvil_url') AS endpoint_id;
SELECT txrelay.add_signer('anvil-dev-keys', :'anvil_url');
SELECT chain_id, address, signer, next_nonce, status
  FROM txrelay.add_sender(31337, '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', 'anvil-dev-keys', 0);
SELECT tier, auto_approve_below, completion FROM txrelay.set_risk_tier('standard', 0, 'finalized');
SELECT tier, auto_approve_below, completion FROM txrelay.set_risk_tier('small', 1000000000000000, 'included:2');

\echo '== 2. Deposit detection (role txrelay_depositor): a deposit is credited once, however its hash is spelt'
SELECT txrelay.credit_deposit('customer-42', 31337, 'ETH', 2000000000000000000,
                              '0xABC0000000000000000000000000000000000000000000000000000000000001', 0) AS entry_id;
SELECT txrelay.credit_deposit('customer-42', 31337, 'ETH', 2000000000000000000,
                              '0xabc0000000000000000000000000000000000000000000000000000000000001', 0) AS same_entry_id_on_retry;
SELECT * FROM txrelay.balance('customer-42', 31337, 'ETH');

\echo '== 3. Application: request a withdrawal of 0.5 ETH (the amount is reserved at once)'
SELECT withdrawal_id, status, amount, to_address
  FROM txrelay.request_withdrawal('payout-2026-0001', 'customer-42', 31337, 'ETH',
                                  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 500000000000000000) \gset
SELECT :'withdrawal_id' AS withdrawal_id, :'status' AS status, :'amount' AS amount, :'to_address' AS to_address_checksummed;
SELECT * FROM txrelay.balance('customer-42', 31337, 'ETH');

\echo '== 4. The client retries after a timeout: same key, same request -> the same withdrawal'
SELECT withdrawal_id = :'withdrawal_id' AS same_withdrawal
  FROM txrelay.request_withdrawal('payout-2026-0001', 'customer-42', 31337, 'ETH',
                                  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 500000000000000000);

\echo '== 5. A bug reuses the key for another amount -> TR001, nothing changes'
\set ON_ERROR_STOP off
SELECT txrelay.request_withdrawal('payout-2026-0001', 'customer-42', 31337, 'ETH',
                                  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 900000000000000000);
\echo '== 6. Too much -> TR002; a typo in the checksum -> 22023'
SELECT txrelay.request_withdrawal('payout-2026-0002', 'customer-42', 31337, 'ETH',
                                  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 5000000000000000000);
SELECT txrelay.request_withdrawal('payout-2026-0003', 'customer-42', 31337, 'ETH',
                                  '0x70997970c51812DC3A010C7d01b50e0d17dc79C8', 1);
\set ON_ERROR_STOP on

\echo '== 7. Approver: approve -> the nonce is reserved, the signature request and its outbox row are created'
\echo '   (in one transaction; its commit wakes the broadcaster)'
BEGIN;
SELECT status FROM txrelay.approve(:'withdrawal_id', gen_random_uuid(), 'policy-run-7781', 'risk-engine');
SELECT nonce_key, nonce FROM txrelay.nonce_reservations WHERE withdrawal_id = :'withdrawal_id';
SELECT signature_request_id, kind, from_address, nonce, to_address, value, status
  FROM txrelay.signature_requests WHERE withdrawal_id = :'withdrawal_id';
SELECT outbox_id, kind, status FROM txrelay.outbox WHERE withdrawal_id = :'withdrawal_id';
COMMIT;

\echo '== 7b. Broadcaster: signs through the signer, stores the signed bytes, sends - within milliseconds'
DO $wait$ BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN (SELECT status FROM txrelay.withdrawals WHERE idempotency_key = 'payout-2026-0001') = 'broadcasted';
    PERFORM pg_sleep(0.05);
  END LOOP;
END $wait$;
SELECT w.status, a.attempt_id, '0x' || encode(a.tx_hash, 'hex') AS tx_hash, a.status AS attempt
  FROM txrelay.withdrawals w JOIN txrelay.attempts a USING (withdrawal_id) WHERE w.withdrawal_id = :'withdrawal_id';
SELECT method, outcome, round(latency_ms::numeric, 1) AS latency_ms
  FROM txrelay.rpc_calls WHERE withdrawal_id = :'withdrawal_id' ORDER BY call_id;

\echo '== 8. A small withdrawal is approved at request by its tier; the sender hands out nonce 1'
SELECT withdrawal_id AS small_id, status AS small_status
  FROM txrelay.request_withdrawal('payout-2026-0004', 'customer-42', 31337, 'ETH',
                                  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1000, 'small') \gset
SELECT :'small_status' AS status, nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = :'small_id';

\echo '== 9. Even the superuser cannot rewrite history or move a withdrawal backwards'
\set ON_ERROR_STOP off
UPDATE txrelay.ledger_entries SET amount = 1;
UPDATE txrelay.withdrawals SET status = 'requested' WHERE withdrawal_id = :'withdrawal_id';
\set ON_ERROR_STOP on

\echo '== 10. Auditor: the whole story of the withdrawal, and the ledger check (no rows = consistent)'
SELECT at::time(0) AS at, source, what, detail FROM txrelay.withdrawal_timeline(:'withdrawal_id');
SELECT * FROM txrelay.verify_ledger();
SELECT * FROM txrelay.balance('customer-42', 31337, 'ETH');
