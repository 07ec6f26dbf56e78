-- txrelay.alerts (DESIGN §7): each alert is provoked, must appear with its severity, a what / where /
-- why / what-to-do text and the identifiers of what it is about, and must clear when the cause is
-- fixed. The states are made as the workers would make them (this cluster runs no workers; the
-- end-to-end tests provoke dead letters, quarantines and RPC failures for real). Other test
-- files leave committed rows behind, so every check looks at this file's chain ids or rows only.
BEGIN;
SELECT plan(34);

SELECT txrelay_test.fixture(110);
SELECT txrelay.add_chain(31337, 'anvil');
SELECT txrelay.add_sender(31337, txrelay_test.dev(0), NULL, 0);   -- client-signed: the fixtures' signer
SELECT txrelay.credit('carol', 31337, 'ETH', 1000000, 'alerts-eth');
CREATE FUNCTION pg_temp.alert(kind text, chain bigint) RETURNS SETOF txrelay.alerts LANGUAGE sql AS $$
  SELECT * FROM txrelay.alerts WHERE alert = kind AND chain_id = chain $$;
-- Every text an operator needs is there, and says something.
CREATE FUNCTION pg_temp.complete(a txrelay.alerts) RETURNS boolean LANGUAGE sql AS $$
  SELECT a.severity IN ('critical', 'warning') AND length(a.what) > 20 AND length(a.where_to_look) > 10
     AND length(a.why_it_matters) > 20 AND length(a.what_to_do) > 20 AND a.since IS NOT NULL $$;

SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE chain_id IN (110, 31337)$$, 'nothing is wrong yet on these chains');

-- A quarantined sender.
SELECT txrelay.set_sender_status(110, txrelay_test.dev(1), 'quarantined', 'nonce 4 used by 0xfeed (not ours)');
SELECT results_eq($$SELECT severity, details ->> 'sender', what LIKE '%0xfeed%', what_to_do LIKE '%set_sender_status%', pg_temp.complete(a)
                      FROM pg_temp.alert('sender_quarantined', 110) a$$,
                  format($$VALUES ('critical', %L, true, true, true)$$, txrelay_test.dev(1)),
                  'a quarantined sender is a critical alert naming the sender, the reason and how to clear it');
SELECT txrelay.set_sender_status(110, txrelay_test.dev(1), 'active', 'key checked, the foreign transaction was a test');
SELECT is_empty($$SELECT * FROM pg_temp.alert('sender_quarantined', 110)$$, 'it clears when the sender is active again');

-- A dead letter.
SELECT (txrelay.approve((txrelay.request_withdrawal('alerts-1', 'alice', 110, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id,
                        gen_random_uuid(), 'alerts-pd-1', 'carol')).withdrawal_id AS w1 \gset
UPDATE txrelay.outbox SET status = 'dead', tries = 10, last_error = 'signer: HTTP 503 after 10 tries', updated_at = now()
 WHERE withdrawal_id = :'w1' RETURNING outbox_id AS dead \gset
SELECT results_eq(format($$SELECT severity, withdrawal_id, idempotency_key, nonce_key, (details ->> 'outbox_id')::bigint,
                                  what LIKE '%%HTTP 503%%', what_to_do LIKE '%%requeue_dead(%s)%%', pg_temp.complete(a)
                             FROM pg_temp.alert('dead_letter', 110) a$$, :'dead'),
                  format($$VALUES ('critical', %L::uuid, 'alerts-1', (SELECT nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = %L), %s::bigint, true, true, true)$$,
                         :'w1', :'w1', :'dead'),
                  'a dead letter is critical, carries withdrawal_id, idempotency_key, nonce_key and outbox_id, its last error and the requeue call');
SELECT txrelay.requeue_dead(:'dead');
SELECT is_empty($$SELECT * FROM pg_temp.alert('dead_letter', 110)$$, 'it clears when the dead letter is requeued');

-- No broadcaster while outbox rows wait (this cluster runs no workers).
UPDATE txrelay.outbox SET created_at = now() - interval '1 minute' WHERE withdrawal_id = :'w1';
SELECT ok((SELECT pg_temp.complete(a) AND a.severity = 'critical' AND a.what LIKE '%broadcaster%'
             FROM txrelay.alerts a WHERE alert = 'worker_not_running' AND details ->> 'worker' = 'broadcaster'),
          'outbox rows waiting for a minute with no broadcaster in pg_stat_activity: critical worker_not_running');
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'worker_not_running' AND details ->> 'worker' = 'tracker'
                   AND NOT EXISTS (SELECT FROM txrelay.attempts WHERE status IN ('sent', 'included'))$$,
                'no tracker alert while there is nothing to track');

-- Sent and not in a block for longer than txrelay.alert_pending_age; reserved for longer than
-- txrelay.alert_reservation_age (both lowered to a second for this transaction).
SELECT (txrelay.approve((txrelay.request_withdrawal('alerts-2', 'carol', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id,
                        gen_random_uuid(), 'alerts-pd-2', 'carol')).withdrawal_id AS w2 \gset
SELECT (txrelay.submit_signed((SELECT signature_request_id FROM txrelay.signature_requests WHERE withdrawal_id = :'w2'),
                              (SELECT raw FROM txrelay_test.signed WHERE name = 'good_type2'))).attempt_id AS a2 \gset
UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE withdrawal_id = :'w2';
UPDATE txrelay.attempts SET status = 'sent', sent_at = now() WHERE attempt_id = :'a2';
UPDATE txrelay.withdrawals SET status_changed_at = now() - interval '1 minute' WHERE withdrawal_id = :'w2';  -- past the 10 s grace of worker_not_running
SELECT is_empty($$SELECT * FROM pg_temp.alert('pending_too_long', 31337)$$, 'just sent: no pending alert (default threshold 30 min)');
SET LOCAL txrelay.alert_pending_age = '1s';
SET LOCAL txrelay.alert_reservation_age = '1s';
SELECT pg_sleep(1.2);
SELECT results_eq(format($$SELECT severity, withdrawal_id, idempotency_key, nonce_key, attempt_id, tx_hash, pg_temp.complete(a)
                             FROM pg_temp.alert('pending_too_long', 31337) a$$),
                  format($$SELECT 'warning', %L::uuid, 'alerts-2', (SELECT nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = %L),
                                  %L::uuid, '0x' || encode(tx_hash, 'hex'), true FROM txrelay.attempts WHERE attempt_id = %L$$, :'w2', :'w2', :'a2', :'a2'),
                  'broadcasted for longer than txrelay.alert_pending_age: a warning with the five identifiers');
-- The tracker stalled on a chain with this withdrawal in flight (its head not advanced for longer
-- than txrelay.alert_tracker_stall); an idle chain with nothing in flight is no alert.
INSERT INTO txrelay.chain_heads (chain_id, latest_number, latest_hash, safe_number, finalized_number, updated_at)
VALUES (31337, 3, '\x01', 1, 0, now() - interval '10 minutes'), (110, 7, '\x02', 5, 3, now() - interval '10 minutes')
ON CONFLICT (chain_id) DO UPDATE SET updated_at = EXCLUDED.updated_at;
SELECT results_eq($$SELECT severity, chain_id, details ->> 'head', details ->> 'in_flight', what LIKE '%not advanced chain 31337%'
                     FROM txrelay.alerts WHERE alert = 'tracker_stalled'$$,
                  $$VALUES ('critical', 31337::bigint, '3', '1', true)$$,
                  'tracker_stalled: the chain with a withdrawal in flight, its head and how many wait; not the idle chain');
UPDATE txrelay.chain_heads SET updated_at = now() WHERE chain_id = 31337;
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'tracker_stalled'$$, 'and it clears when the tracker advances');
-- A chain the tracker has never read (no head at all: a node that answers nothing it can use) is
-- stalled too, once its oldest withdrawal in flight is older than the threshold; the alert carries
-- the node's own last failure (issue 19).
DELETE FROM txrelay.chain_heads WHERE chain_id = 31337;
UPDATE txrelay.withdrawals SET status_changed_at = now() - interval '10 minutes' WHERE withdrawal_id = :'w2';
SELECT txrelay.add_rpc_endpoint(31337, 'http://127.0.0.1:9', 5) AS ep \gset
INSERT INTO txrelay.rpc_calls (correlation_id, endpoint_id, target, chain_id, method, request, response, outcome, created_at)
VALUES (gen_random_uuid(), :ep, 'http://127.0.0.1:9', 31337, 'eth_getBlockReceipts', '{}',
        '{"jsonrpc":"2.0","id":1,"error":{"code":-32004,"message":"Method eth_getBlockReceipts is not supported"}}',
        'rpc_error', now());
SELECT results_eq($$SELECT chain_id, details ->> 'head', what LIKE 'the tracker has never read chain 31337 while 1 withdrawal(s) wait%'
                     FROM txrelay.alerts WHERE alert = 'tracker_stalled'$$,
                  $$VALUES (31337::bigint, NULL::text, true)$$,
                  'tracker_stalled: a chain never read, with work in flight, is alerted');
SELECT ok((SELECT what LIKE '%the node''s last failure: eth_getBlockReceipts {%Method eth_getBlockReceipts is not supported%'
             FROM txrelay.alerts WHERE alert = 'tracker_stalled'),
          'and the alert carries the node''s own last failure');
SELECT set_eq($$SELECT idempotency_key FROM txrelay.alerts WHERE alert = 'reservation_open_too_long' AND chain_id IN (110, 31337)$$,
              $$VALUES ('alerts-1'), ('alerts-2')$$, 'both reservations older than txrelay.alert_reservation_age are alerted');
SELECT ok((SELECT bool_and(pg_temp.complete(a) AND a.what LIKE '%reserved%') FROM txrelay.alerts a WHERE alert = 'reservation_open_too_long' AND chain_id IN (110, 31337)),
          'each says how much of which account is held, and for how long');
SELECT ok((SELECT count(*) = 1 AND bool_and(a.severity = 'critical') FROM txrelay.alerts a
            WHERE alert = 'worker_not_running' AND details ->> 'worker' = 'tracker'),
          'a sent transaction and no tracker running: critical worker_not_running for the tracker');
UPDATE txrelay.withdrawals SET status = 'included' WHERE withdrawal_id = :'w2';
UPDATE txrelay.attempts SET status = 'included', block_number = 9, block_hash = sha256('b9'), receipt_status = 1, gas_used = 21000,
       effective_gas_price = 1000000000, included_at = now() WHERE attempt_id = :'a2';
SELECT is_empty($$SELECT * FROM pg_temp.alert('pending_too_long', 31337)$$, 'in a block: the pending alert clears');
SELECT txrelay.reject(:'w1', gen_random_uuid(), 'alerts-pd-1b', 'carol', 'no longer wanted')
 WHERE false;  -- approved withdrawals are cancelled, not rejected
SELECT txrelay.cancel(:'w1', 'the customer withdrew the request');
SELECT is((SELECT string_agg(idempotency_key, ',' ORDER BY idempotency_key) FROM txrelay.alerts WHERE alert = 'reservation_open_too_long' AND chain_id IN (110, 31337)),
          'alerts-1,alerts-2', 'a cancel after approval keeps the reservation until the chain decides: its alert stays');

-- A fee bump that would pass the caps.
UPDATE txrelay.withdrawals SET status = 'reorged' WHERE withdrawal_id = :'w2';
UPDATE txrelay.attempts SET status = 'sent', block_number = NULL, block_hash = NULL, receipt_status = NULL, gas_used = NULL,
       effective_gas_price = NULL, included_at = NULL WHERE attempt_id = :'a2';
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, to_status, reason, detail)
VALUES (:'w2', 'fee_bump_at_cap', 'reorged', 'stuck for 12 blocks; a bump of 10 % + 1 wei would pass the chain''s fee caps',
        jsonb_build_object('attempt_id', :'a2', 'max_fee_per_gas_cap', '500000000000'));
SELECT results_eq($$SELECT severity, idempotency_key, attempt_id::text, what_to_do LIKE '%set_chain(31337%', pg_temp.complete(a)
                      FROM pg_temp.alert('fee_bump_at_cap', 31337) a$$,
                  format($$VALUES ('warning', 'alerts-2', %L, true, true)$$, :'a2'),
                  'a bump stopped at the fee cap is a warning that says how to raise the cap');
UPDATE txrelay.withdrawals SET status = 'included' WHERE withdrawal_id = :'w2';
SELECT is_empty($$SELECT * FROM pg_temp.alert('fee_bump_at_cap', 31337)$$, 'it clears once the withdrawal is in a block');

-- RPC failures over the window.
INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome, created_at)
SELECT gen_random_uuid(), 'http://127.0.0.1:9/', 110, 'eth_blockNumber', '{}', 'connect_failed', now() FROM generate_series(1, 9);
SELECT is_empty($$SELECT * FROM pg_temp.alert('rpc_errors', 110)$$, '9 failed calls: below txrelay.alert_rpc_min_calls (10), no alert');
INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome, created_at)
VALUES (gen_random_uuid(), 'http://127.0.0.1:9/', 110, 'eth_blockNumber', '{}', 'read_timeout', now());
SELECT results_eq($$SELECT severity, details ->> 'target', (details ->> 'failed')::int, what LIKE '%connect_failed 9%read_timeout 1%', pg_temp.complete(a)
                      FROM pg_temp.alert('rpc_errors', 110) a$$,
                  $$VALUES ('critical', 'http://127.0.0.1:9/', 10, true, true)$$,
                  'every call of an endpoint failing: critical, with the endpoint and the count per outcome');
INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome, created_at)
SELECT gen_random_uuid(), 'http://127.0.0.1:9/', 110, 'eth_blockNumber', '{}', 'ok', now() FROM generate_series(1, 20);
SELECT is((SELECT severity FROM pg_temp.alert('rpc_errors', 110)), 'warning', 'a third failing: a warning');
INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome, created_at)
SELECT gen_random_uuid(), 'http://127.0.0.1:9/', 110, 'eth_blockNumber', '{}', 'ok', now() FROM generate_series(1, 40);
SELECT is_empty($$SELECT * FROM pg_temp.alert('rpc_errors', 110)$$, 'one in seven failing: under txrelay.alert_rpc_error_percent (20), cleared');

-- The ledger's reserved total disagreeing with the open withdrawals (a hand edit past the guard).
ALTER TABLE txrelay.ledger_accounts DISABLE TRIGGER ledger_accounts_guard;
UPDATE txrelay.ledger_accounts SET reserved = reserved + 1 WHERE account = 'carol' AND chain_id = 31337 AND asset = 'ETH';
ALTER TABLE txrelay.ledger_accounts ENABLE ALWAYS TRIGGER ledger_accounts_guard;
SELECT results_eq($$SELECT severity, details ->> 'account', (details ->> 'reserved')::numeric - (details ->> 'open_withdrawals')::numeric, pg_temp.complete(a)
                      FROM pg_temp.alert('ledger_reserved_mismatch', 31337) a$$,
                  $$VALUES ('critical', 'carol', 1::numeric, true)$$,
                  'a reserved total one wei off the open withdrawals: critical, naming the account');
SELECT is_empty($$SELECT * FROM pg_temp.alert('ledger_reserved_mismatch', 110)$$, 'the other chain''s accounts agree');

-- Spikes against the usual rate (txrelay.alert_spike_min = 5 events, and 3 x the hourly rate of
-- the day before): drops and reorgs, and the median time to finalized.
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, to_status, reason)
SELECT :'w2', 'dropped', 'broadcasted', 'test drop ' || i FROM generate_series(1, 3) i;
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'drops_and_replacements_spike'$$,
                'the reorg above and 3 drops in an hour: under the minimum of 5');
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason) VALUES (:'w2', 'status', 'included', 'reorged', 'test reorg');
SELECT results_eq($$SELECT severity, (details ->> 'last_hour')::int, what LIKE '%dropped 3, reorged 2%' FROM txrelay.alerts WHERE alert = 'drops_and_replacements_spike'$$,
                  $$VALUES ('warning', 5, true)$$, 'a fifth (another reorg) with none the day before: a spike, counted by kind');
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, to_status, reason, created_at)
SELECT :'w2', 'dropped', 'broadcasted', 'the usual drops', now() - interval '2 hours' - i * interval '20 minutes' FROM generate_series(1, 48) i;
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'drops_and_replacements_spike'$$,
                'with 2 an hour the day before, 5 in the last hour is under 3 x the usual: no spike');

-- Withdrawals requested 3 hours ago finalized 10 minutes later (the day before), and withdrawals
-- requested 40 minutes ago finalized now: the median went from 600 s to 2,400 s.
ALTER TABLE txrelay.withdrawals DISABLE TRIGGER withdrawals_state_machine;   -- created_at is immutable otherwise
UPDATE txrelay.withdrawals SET created_at = now() - interval '3 hours' WHERE withdrawal_id = :'w2';
UPDATE txrelay.withdrawals SET created_at = now() - interval '40 minutes' WHERE idempotency_key = 'alerts-1';
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_state_machine;
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, created_at)
SELECT :'w2', 'status', 'safe', 'finalized', now() - interval '3 hours' + interval '10 minutes' FROM generate_series(1, 5);
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status)
SELECT :'w1', 'status', 'safe', 'finalized' FROM generate_series(1, 4);
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'time_to_finalized_rising'$$, 'four slow ones: under the minimum of 5 samples');
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status) VALUES (:'w1', 'status', 'safe', 'finalized');
SELECT results_eq($$SELECT severity, (details ->> 'p50_last_hour_s')::numeric, (details ->> 'p50_day_before_s')::numeric, pg_temp.complete(a)
                      FROM txrelay.alerts a WHERE alert = 'time_to_finalized_rising'$$,
                  $$VALUES ('warning', 2400.0, 600.0, true)$$, 'five at 2,400 s against 600 s the day before: time_to_finalized_rising');

-- Who may read it.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'SELECT count(*) FROM txrelay.alerts')$$, 'operators read the alerts');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT count(*) FROM txrelay.alerts')$$, 'auditors read the alerts');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT count(*) FROM txrelay.alerts')$$, '42501', NULL,
                 'the application does not');

SELECT * FROM finish();
ROLLBACK;
