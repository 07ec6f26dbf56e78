-- Batch payouts (issue 23): request_withdrawals and approve_withdrawals take the single calls'
-- arguments by name, one element each, and are the single calls: replays inside a batch and
-- across batches and single calls return the one withdrawal of a key; a bad element refuses the
-- whole batch, its error naming the element and keeping its SQLSTATE, with nothing written;
-- approvals reserve gap-free nonces in element order; a batch and a single call with the same
-- key, at once, make one withdrawal; each batch function is for its role only.
SELECT txrelay_test.fixture(196);  -- committed: the concurrent sessions below must see it

-- A batch and a single call with the same key at once: the single call waits on the key and
-- returns the batch's withdrawal once the batch commits.
SELECT dblink_connect('batch', format('dbname=%s host=%s port=%s user=%s', current_database(),
       split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
SELECT dblink_connect('single', format('dbname=%s host=%s port=%s user=%s', current_database(),
       split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
SELECT dblink_exec('batch', 'BEGIN');
SELECT withdrawal_id AS batch_id FROM dblink('batch', format($$SELECT withdrawal_id FROM txrelay.request_withdrawals('[{"idempotency_key": "b-race",
       "account": "alice", "chain_id": 196, "asset": "ETH", "to_address": "%s", "amount": 700}]')$$, txrelay_test.dev(3))) AS t(withdrawal_id uuid) \gset
SELECT dblink_send_query('single', format($$SELECT (txrelay.request_withdrawal('b-race', 'alice', 196, 'ETH', '%s', 700)).withdrawal_id$$, txrelay_test.dev(3)));
SELECT pg_sleep(0.3);
SELECT dblink_is_busy('single') AS single_waited \gset
SELECT dblink_exec('batch', 'COMMIT');
SELECT withdrawal_id AS single_id FROM dblink_get_result('single') AS t(withdrawal_id uuid) \gset
SELECT dblink_disconnect('batch');
SELECT dblink_disconnect('single');


BEGIN;
SELECT plan(36);
SELECT is(:single_waited, 1, 'a single call with a key a batch holds, at once, waits for the batch');
SELECT is(:'single_id'::uuid, :'batch_id'::uuid, 'and then returns the batch''s withdrawal');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key = 'b-race'), 1, 'one withdrawal for the key');
CREATE FUNCTION pg_temp.req(key text, amount numeric DEFAULT 1000) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('idempotency_key', key, 'account', 'alice', 'chain_id', 196, 'asset', 'ETH',
                            'to_address', txrelay_test.dev(2), 'amount', amount) $$;

-- New requests, in element order; the same batch again returns them and writes nothing.
SELECT results_eq($$SELECT idempotency_key, status FROM txrelay.request_withdrawals(
                      jsonb_build_array(pg_temp.req('b-1'), pg_temp.req('b-2', 2000), pg_temp.req('b-3', 3000)))$$,
                  $$VALUES ('b-1', 'requested'), ('b-2', 'requested'), ('b-3', 'requested')$$,
                  'three requests: three withdrawals, in element order');
SELECT txrelay_test.snapshot() AS before \gset
SELECT results_eq($$SELECT withdrawal_id FROM txrelay.request_withdrawals(
                      jsonb_build_array(pg_temp.req('b-1'), pg_temp.req('b-2', 2000), pg_temp.req('b-3', 3000)))$$,
                  $$SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key IN ('b-1', 'b-2', 'b-3') ORDER BY idempotency_key$$,
                  'the same batch again returns the same withdrawals (idempotent replays)');
SELECT is(txrelay_test.snapshot(), :'before', 'and writes nothing');
SELECT results_eq($$SELECT count(DISTINCT withdrawal_id)::int, count(*)::int FROM txrelay.request_withdrawals(
                      jsonb_build_array(pg_temp.req('b-4'), pg_temp.req('b-4')))$$,
                  $$VALUES (1, 2)$$, 'a key twice in one batch: the second element is the first one''s replay');
SELECT (txrelay.request_withdrawal('b-single', 'alice', 196, 'ETH', txrelay_test.dev(2), 500)).withdrawal_id AS single \gset
SELECT is((SELECT withdrawal_id FROM txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-single', 500)))), :'single'::uuid,
          'a batch element replays a single call''s key');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key IN ('b-1', 'b-2', 'b-3', 'b-4', 'b-single')), 5,
          'five keys, five withdrawals');
SELECT is((SELECT count(*)::int FROM txrelay.request_withdrawals('[]')), 0, 'an empty batch does nothing');
SELECT is((txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-meta') || '{"risk_tier": "small", "metadata": {"ticket": 7}}'))).metadata,
          '{"ticket": 7}'::jsonb, 'optional arguments by name: risk_tier and metadata');

-- A bad element refuses the whole batch, names itself, keeps its SQLSTATE; nothing is written.
SELECT txrelay_test.snapshot() AS before \gset
SELECT throws_ok($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5'), pg_temp.req('b-6'), pg_temp.req('b-7', -1)))$$,
                 '22003', NULL, 'a negative amount in element 2: 22003, as the single call');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5'), pg_temp.req('b-6'), pg_temp.req('b-7', -1)))$$,
                   'request_withdrawals: requests[2] (idempotency_key ''b-7''): %amount%', 'the error names the element, its key and the argument');
SELECT throws_ok($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5'), pg_temp.req('b-1', 999)))$$,
                 'TR001', NULL, 'a key reused for another request in element 1: TR001');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5'), pg_temp.req('b-6', 1000000000000000001)))$$,
                   'request_withdrawals: requests[1] %available balance too low%', 'more than the balance in element 1: its message');
SELECT throws_ok($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5'), pg_temp.req('b-6', 1000000000000000001)))$$,
                 'TR002', NULL, 'and TR002');
SELECT throws_ok($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5') || '{"chain_id": "abc"}'))$$,
                 '22P02', NULL, 'a chain_id that is not a number: 22P02');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5') || '{"amout": 1}'))$$,
                   '%requests[0]%unknown key(s): amout%', 'an unknown key is refused, named');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5') - 'amount'))$$,
                   '%requests[0]%lacks amount%', 'a missing argument is refused, named');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-5') || '{"amount": null}'))$$,
                   '%requests[0]%lacks amount%', 'a null argument too');
SELECT throws_like($$SELECT txrelay.request_withdrawals('[1]')$$, '%requests[0]%not a JSON object%', 'an element that is not an object');
SELECT throws_like($$SELECT txrelay.request_withdrawals('{"a": 1}')$$, '%requests must be a JSON array, not object%',
                   'a batch that is not an array');
SELECT throws_like($$SELECT txrelay.request_withdrawals(NULL)$$, '%requests must be a JSON array, not NULL%', 'nor NULL');
SELECT throws_like($$SELECT txrelay.request_withdrawals((SELECT jsonb_agg(pg_temp.req('b-big-' || g)) FROM generate_series(1, 1001) g))$$,
                   '%1001 elements; the limit is 1000%', 'more than 1000 elements');
SELECT is(txrelay_test.snapshot(), :'before', 'none of the refused batches wrote anything');

-- Approvals: gap-free nonces in element order, replays inside the batch, a bad element.
CREATE FUNCTION pg_temp.appr(key text, decision text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('withdrawal_id', (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = key),
                            'approval_id', md5(decision)::uuid, 'policy_decision_id', decision, 'decided_by', 'risk-engine') $$;
SELECT results_eq($$SELECT w.idempotency_key, w.status FROM txrelay.approve_withdrawals(jsonb_build_array(
                      pg_temp.appr('b-1', 'pd-1'), pg_temp.appr('b-2', 'pd-2'), pg_temp.appr('b-3', 'pd-3'), pg_temp.appr('b-3', 'pd-3'))) w$$,
                  $$VALUES ('b-1', 'approved'), ('b-2', 'approved'), ('b-3', 'approved'), ('b-3', 'approved')$$,
                  'three approvals, the last one twice (a replay)');
SELECT is((SELECT count(*)::int FROM txrelay.nonce_reservations r JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key IN ('b-1', 'b-2', 'b-3')), 3, 'one nonce each, the replay none');
SELECT is_empty($$SELECT from_address FROM txrelay.nonce_reservations WHERE chain_id = 196 GROUP BY from_address
                   HAVING min(nonce) <> 0 OR max(nonce) <> count(*) - 1$$, 'per sender the nonces are 0..N-1: no gap');
SELECT is_empty($$SELECT 1 FROM txrelay.nonce_reservations a JOIN txrelay.withdrawals wa USING (withdrawal_id),
                          txrelay.nonce_reservations b JOIN txrelay.withdrawals wb USING (withdrawal_id)
                   WHERE a.from_address = b.from_address AND wa.idempotency_key < wb.idempotency_key
                     AND wa.idempotency_key IN ('b-1', 'b-2', 'b-3') AND wb.idempotency_key IN ('b-1', 'b-2', 'b-3') AND a.nonce > b.nonce$$,
                'a sender''s nonces follow the element order');
SELECT txrelay_test.snapshot() AS before \gset
SELECT throws_like($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('b-4', 'pd-4'),
                       pg_temp.appr('b-meta', 'pd-1')))$$, 'approve_withdrawals: approvals[1] (withdrawal_id %', 'a used policy decision in element 1: named');
SELECT throws_ok($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('b-4', 'pd-4'), pg_temp.appr('b-meta', 'pd-1')))$$,
                 'TR007', NULL, 'with the single call''s TR007');
SELECT throws_ok($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('b-4', 'pd-4') || '{"withdrawal_id": "not-a-uuid"}'))$$,
                 '22P02', NULL, 'a withdrawal_id that is not a uuid: 22P02');
SELECT is(txrelay_test.snapshot(), :'before', 'the refused approval batches reserved no nonce and wrote nothing');

-- Each batch function is its role's.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'txrelay_test_app') THEN CREATE ROLE txrelay_test_app LOGIN IN ROLE txrelay_app; END IF;
END $$;
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_test_app', $q$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('b-app')))$q$)$$,
                'an application requests a batch');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_test_app', $q$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('b-app', 'pd-app')))$q$)$$,
                 '42501', NULL, 'but cannot approve one');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_auditor', $q$SELECT txrelay.request_withdrawals('[]')$q$)$$,
                 '42501', NULL, 'an auditor cannot request');
SELECT * FROM finish();
ROLLBACK;
