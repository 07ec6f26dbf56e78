-- The remaining invariants of DESIGN §3 by direct writes as the owner, and the tools around
-- them: withdrawal_timeline, requeue_dead.
BEGIN;
SELECT plan(22);
SELECT txrelay_test.fixture();

SELECT (txrelay.request_withdrawal('h-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 700)).withdrawal_id AS w1 \gset
SELECT gen_random_uuid() AS a1 \gset
SELECT txrelay.approve(:'w1', :'a1', 'pd-h1', 'carol') IS NOT NULL AS approved \gset
SELECT (txrelay.request_withdrawal('h-2', 'alice', 31337, 'ETH', txrelay_test.dev(2), 800)).withdrawal_id AS w2 \gset

-- One nonce key per withdrawal; single-use decision ids; decisions and reservations are history.
SELECT throws_ok(format($$INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
                          VALUES (31337, %L, 99, %L)$$, txrelay_test.dev(0), :'w1'),
                 '23505', NULL, 'a withdrawal cannot hold a second nonce key');
SELECT throws_ok(format($$INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by)
                          VALUES (%L, %L, 'pd-h2', 'approved', 'x')$$, :'a1', :'w2'),
                 '23505', NULL, 'an approval_id is single-use, even for the owner');
SELECT throws_ok(format($$INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by)
                          VALUES (gen_random_uuid(), %L, 'pd-h1', 'approved', 'x')$$, :'w2'),
                 '23505', NULL, 'a policy_decision_id is single-use, even for the owner');
SELECT throws_ok(format($$INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by)
                          VALUES (gen_random_uuid(), %L, 'pd-h1-again', 'rejected', 'x')$$, :'w1'),
                 '23505', NULL, 'a withdrawal has one decision');
SELECT throws_ok($$UPDATE txrelay.approvals SET decided_by = 'someone else'$$, 'TR006', NULL, 'decisions cannot be rewritten');
SELECT throws_ok($$DELETE FROM txrelay.approvals$$, 'TR006', NULL, 'decisions cannot be removed');
SELECT throws_ok($$DELETE FROM txrelay.nonce_reservations$$, 'TR006', NULL, 'nonce reservations cannot be removed');
SELECT throws_ok($$TRUNCATE txrelay.nonce_reservations CASCADE$$, 'TR006', NULL, 'nor truncated');
SELECT throws_ok($$DELETE FROM txrelay.signature_requests$$, 'TR006', NULL, 'signature requests cannot be removed');
SELECT throws_ok(format($$INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data)
                          VALUES (%L, 'withdrawal', 31337, %L, 42, %L, 1, '\x')$$, :'w2', txrelay_test.dev(0), txrelay_test.dev(2)),
                 '23503', NULL, 'a signature request needs a reserved nonce');
INSERT INTO txrelay.rpc_calls (correlation_id, method, request, outcome, withdrawal_id)
  VALUES (gen_random_uuid(), 'eth_chainId', '{}', 'ok', :'w1');
SELECT throws_ok($$UPDATE txrelay.rpc_calls SET outcome = 'rpc_error'$$, 'TR006', NULL, 'the RPC audit cannot be rewritten');
SELECT throws_ok($$DELETE FROM txrelay.rpc_calls$$, 'TR006', NULL, 'nor removed');

-- withdrawal_timeline tells the whole story in order.
-- (one test transaction gives every row the same timestamp, so the order is checked apart)
SELECT set_eq(format($$SELECT source, what FROM txrelay.withdrawal_timeline(%L)$$, :'w1'),
              $$VALUES ('event', 'requested'), ('ledger', 'RESERVE'), ('event', 'requested -> approved'), ('approval', 'approved'),
                       ('nonce', 'reserved'), ('signature_request', 'withdrawal pending'), ('outbox', 'sign pending'),
                       ('rpc', 'eth_chainId ok')$$,
              'the timeline lists events, decision, nonce, signature request, outbox, RPC calls and ledger');
SELECT is_empty(format($$SELECT * FROM (SELECT at, lag(at) OVER () AS before FROM txrelay.withdrawal_timeline(%L)) t
                         WHERE at < before$$, :'w1'), 'in time order');
SELECT is((SELECT detail->>'nonce_key' FROM txrelay.withdrawal_timeline(:'w1') WHERE source = 'nonce'),
          (SELECT nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1'), 'with the nonce key');
SELECT throws_ok($$SELECT * FROM txrelay.withdrawal_timeline(gen_random_uuid())$$, '22023', NULL, 'an unknown withdrawal is 22023');
SELECT throws_ok($$SELECT * FROM txrelay.withdrawal_timeline(NULL)$$, '22023', NULL, 'a NULL id is 22023');

-- requeue_dead
SELECT outbox_id AS ob FROM txrelay.outbox WHERE withdrawal_id = :'w1' \gset
SELECT throws_like(format($$SELECT txrelay.requeue_dead(%s)$$, :ob), '%not a dead letter%', 'only dead letters are requeued');
UPDATE txrelay.outbox SET status = 'dead', tries = 8, last_error = 'signer unreachable' WHERE outbox_id = :ob;
SELECT results_eq(format($$SELECT status, tries, requeue_count, last_error FROM txrelay.requeue_dead(%s)$$, :ob),
                  $$VALUES ('pending', 0, 1, 'signer unreachable')$$,
                  'a dead letter goes back to the queue with a fresh retry budget, its last error kept');
SELECT is((SELECT (detail->>'outbox_id')::bigint FROM txrelay.withdrawal_timeline(:'w1') WHERE what = 'requeued'), :ob::bigint,
          'the timeline records the requeue and the outbox row');
SELECT throws_like(format($$SELECT txrelay.requeue_dead(%s)$$, :ob), '%not a dead letter%', 'requeuing twice is refused');

SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'the ledger is consistent');
SELECT * FROM finish();
ROLLBACK;
