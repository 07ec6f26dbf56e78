-- Transactions of our senders that the chain holds and the database does not know (issue 20,
-- decision 79): what a reconciliation run records is a fact - never changed, never deleted, by any
-- role or a superuser, settled once; the operator dismisses one with a reason (and nobody else
-- can); the alerts name each open one and every withdrawal that asks for exactly such a payment at
-- another nonce. The adoption itself (the broadcaster, with a real chain): test/e2e/pitr_restore.sh.
BEGIN;
SELECT plan(31);
SELECT txrelay_test.fixture(194);
SELECT txrelay.reconcile(194) AS run \gset
INSERT INTO txrelay.unknown_transactions (chain_id, from_address, nonce, tx_hash, to_address, value, data, raw_tx, found_by_run)
VALUES (194, txrelay_test.dev(0), 5, '\xaa05', txrelay_test.dev(3), 1000, '\x', '\x02aa05', :run),
       (194, txrelay_test.dev(0), 6, '\xaa06', txrelay_test.dev(4), 2000, '\x', '\x02aa06', :run);

SELECT results_eq($$SELECT severity, tx_hash, nonce_key FROM txrelay.alerts WHERE alert = 'unknown_transaction' ORDER BY nonce_key$$,
                  format($$VALUES ('critical', '0xaa05', '194:%1$s:5'), ('critical', '0xaa06', '194:%1$s:6')$$, txrelay_test.dev(0)),
                  'each open unknown transaction is a critical alert with its hash and nonce key');

-- A fact stays as the chain holds it.
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET value = 1 WHERE nonce = 5$$, 'TR006', NULL,
                 'its value cannot be changed');
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET to_address = txrelay_test.dev(9) WHERE nonce = 5$$, 'TR006', NULL,
                 'nor its recipient');
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET raw_tx = '\x00', tx_hash = '\x00' WHERE nonce = 5$$, 'TR006', NULL,
                 'nor its bytes and hash');
SELECT throws_ok($$DELETE FROM txrelay.unknown_transactions$$, 'TR006', NULL, 'it cannot be deleted');
SELECT throws_ok($$TRUNCATE txrelay.unknown_transactions$$, 'TR006', NULL, 'nor truncated');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$DELETE FROM txrelay.unknown_transactions$$, 'TR006', NULL,
                 'not even by a superuser with session_replication_role = replica');
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET value = 1$$, 'TR006', NULL, 'who cannot change it either');
RESET session_replication_role;
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET settled = 'adopted', settled_at = now(), settled_by = 'x' WHERE nonce = 5$$,
                 '23514', NULL, 'adopted means by a withdrawal''s attempt: without them it is refused');
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET settled = 'dismissed', settled_at = now(), settled_by = 'x' WHERE nonce = 5$$,
                 '23514', NULL, 'dismissed means with a reason');

-- Only the operator dismisses.
SELECT ok(has_function_privilege('txrelay_operator', 'txrelay.dismiss_unknown_transaction(bigint,text,bigint,text)', 'EXECUTE'),
          'the operator may dismiss');
SELECT is_empty($$SELECT r FROM unnest(ARRAY['txrelay_app', 'txrelay_approver', 'txrelay_auditor', 'txrelay_depositor', 'public']) r
                   WHERE has_function_privilege(r, 'txrelay.dismiss_unknown_transaction(bigint,text,bigint,text)', 'EXECUTE')$$,
                'the application, approvers, auditors, depositors and PUBLIC may not');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'DELETE FROM txrelay.unknown_transactions')$$, '42501', NULL,
                 'nor does the operator write the table itself');

-- Bad input: a clear error, nothing written.
SELECT * FROM txrelay_test.refuses(format($$SELECT txrelay.dismiss_unknown_transaction(194, %L, -1, 'x')$$, txrelay_test.dev(0)), '22023', 'nonce');
SELECT * FROM txrelay_test.refuses($$SELECT txrelay.dismiss_unknown_transaction(194, '0x1234', 5, 'x')$$, '22023', 'from_address');
SELECT * FROM txrelay_test.refuses(format($$SELECT txrelay.dismiss_unknown_transaction(194, %L, 5, '')$$, txrelay_test.dev(0)), '22023', 'reason');
SELECT * FROM txrelay_test.refuses(format($$SELECT txrelay.dismiss_unknown_transaction(99194, %L, 5, 'x')$$, txrelay_test.dev(0)), 'TR009', 'chain_id');
SELECT throws_ok(format($$SELECT txrelay.dismiss_unknown_transaction(194, %L, 7, 'x')$$, txrelay_test.dev(0)), '22023',
                 'nonce names no unknown transaction', 'a nonce without one is refused');

-- Dismissed: settled with the reason and who, the alert gone, once.
SELECT txrelay_test.as_role('txrelay_operator',
  format($$SELECT txrelay.dismiss_unknown_transaction(194, %L, 5, 'a manual refund to the customer, booked as ticket 42')$$, txrelay_test.dev(0)));
SELECT results_eq($$SELECT settled, reason, settled_by = session_user FROM txrelay.unknown_transactions WHERE nonce = 5$$,
                  $$VALUES ('dismissed', 'a manual refund to the customer, booked as ticket 42', true)$$,
                  'dismissed with the operator''s reason and login');
SELECT results_eq($$SELECT tx_hash FROM txrelay.alerts WHERE alert = 'unknown_transaction'$$, $$VALUES ('0xaa06')$$,
                  'its alert is gone; the other stays');
SELECT throws_ok(format($$SELECT txrelay.dismiss_unknown_transaction(194, %L, 5, 'again')$$, txrelay_test.dev(0)), '22023',
                 'nonce names an unknown transaction settled already', 'a settled one cannot be dismissed again');
SELECT throws_ok($$UPDATE txrelay.unknown_transactions SET reason = 'rewritten' WHERE nonce = 5$$, 'TR006', NULL,
                 'nor its reason rewritten');

-- A withdrawal that asks for exactly the payment of an open one at another nonce may be paid already.
SELECT (txrelay.approve((txrelay.request_withdrawal('unknown-same', 'alice', 194, 'ETH', txrelay_test.dev(4), 2000)).withdrawal_id,
                        gen_random_uuid(), 'pd-unknown-same', 'test')).withdrawal_id AS same \gset
SELECT (txrelay.approve((txrelay.request_withdrawal('unknown-other', 'alice', 194, 'ETH', txrelay_test.dev(4), 2001)).withdrawal_id,
                        gen_random_uuid(), 'pd-unknown-other', 'test')).withdrawal_id AS other \gset
SELECT results_eq($$SELECT withdrawal_id, idempotency_key, tx_hash FROM txrelay.alerts WHERE alert = 'withdrawal_matches_unknown_transaction'$$,
                  format($$VALUES (%L::uuid, 'unknown-same', '0xaa06')$$, :'same'),
                  'the withdrawal with the same recipient, value and data is named; one wei more is not');
