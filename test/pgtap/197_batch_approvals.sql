-- Set-based approvals (issue 23): approve_withdrawals checks each element with the single call's
-- rules, then writes one statement per table with one sender per chain for the whole batch. It
-- must leave what the single call leaves (the same signature request, outbox job, approval and
-- status event), keep a batch's nonces consecutive on its one sender, name the failing element
-- for refusals found in the batch itself and for identifiers a concurrent transaction took, and
-- let two batches run at once on two senders instead of one waiting for the other.
SELECT txrelay_test.fixture(197);  -- committed: the concurrent sessions below must see it
CREATE FUNCTION pg_temp.request(key text, asset text DEFAULT 'ETH', amount numeric DEFAULT 1000) RETURNS uuid
  LANGUAGE sql AS $$ SELECT (txrelay.request_withdrawal(key, 'alice', 197, asset, txrelay_test.dev(4), amount)).withdrawal_id $$;
CREATE FUNCTION pg_temp.appr(key text, decision text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('withdrawal_id', (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = key),
                            'approval_id', md5(decision)::uuid, 'policy_decision_id', decision, 'decided_by', 'risk-engine') $$;
SELECT pg_temp.request(k) FROM unnest(ARRAY['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-s1', 'c-s2', 'r-a1', 'r-a2', 'r-b1',
                                            'r-b2', 'r-x', 'r-y', 'r-z']) k;
SELECT pg_temp.request('c-usdc-s1', 'USDC', 250), pg_temp.request('c-usdc-s2', 'USDC', 250);
-- A second chain, and a third whose only sender signs client-side (no signer: no signing job).
SELECT txrelay_test.fixture(1197);
SELECT txrelay.add_chain(2197, 'client-signed chain'), txrelay.add_sender(2197, txrelay_test.dev(5), NULL, 0),
       txrelay.credit('alice', 2197, 'ETH', 1000000, 'seed-alice-eth-2197');
CREATE FUNCTION pg_temp.request_on(key text, chain bigint) RETURNS uuid LANGUAGE sql AS $$
  SELECT (txrelay.request_withdrawal(key, 'alice', chain, 'ETH', txrelay_test.dev(4), 1000)).withdrawal_id $$;
SELECT pg_temp.request_on('m-1', 197), pg_temp.request_on('m-2', 1197), pg_temp.request_on('m-3', 197),
       pg_temp.request_on('cs-s1', 2197), pg_temp.request_on('cs-s2', 2197);

SELECT dblink_connect(c, format('dbname=%s host=%s port=%s user=%s', current_database(),
       split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user))
  FROM unnest(ARRAY['a', 'b']) c;
-- Two batches at once: the second takes the other sender (SKIP LOCKED) and does not wait.
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('b', 'BEGIN');
SELECT * FROM dblink('a', format('SELECT count(*) FROM txrelay.approve_withdrawals(%L)',
                                 jsonb_build_array(pg_temp.appr('r-a1', 'pd-r-a1'), pg_temp.appr('r-a2', 'pd-r-a2')))) AS t(n bigint);
SELECT dblink_send_query('b', format('SELECT count(*) FROM txrelay.approve_withdrawals(%L)',
                                     jsonb_build_array(pg_temp.appr('r-b1', 'pd-r-b1'), pg_temp.appr('r-b2', 'pd-r-b2'))));
SELECT pg_sleep(0.5);
SELECT dblink_is_busy('b') AS b_waited \gset
SELECT n AS b_count FROM dblink_get_result('b') AS t(n bigint) \gset
SELECT count(*) AS b_done FROM dblink_get_result('b') AS t(n bigint) \gset
SELECT dblink_exec(c, 'COMMIT') FROM unnest(ARRAY['a', 'b']) c;
-- A concurrent single call takes an approval_id a batch uses: the batch waits on it, then is
-- refused with TR007 on that element (the unique index's key names it).
SELECT dblink_exec('a', 'BEGIN');
SELECT * FROM dblink('a', format($$SELECT (txrelay.approve(%L, md5('pd-race')::uuid, 'pd-race', 'risk-engine')).status$$,
                                 (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = 'r-x'))) AS t(s text);
SELECT dblink_send_query('b', format('SELECT count(*) FROM txrelay.approve_withdrawals(%L)',
       jsonb_build_array(pg_temp.appr('r-y', 'pd-r-y'), pg_temp.appr('r-z', 'pd-r-z') || jsonb_build_object('approval_id', md5('pd-race')::uuid))));
SELECT pg_sleep(0.3);
SELECT dblink_is_busy('b') AS race_waited \gset
SELECT dblink_exec('a', 'COMMIT');
CREATE TABLE pg_temp.race_error (state text, message text);
DO $$
DECLARE
  s text;
  m text;
BEGIN
  PERFORM * FROM dblink_get_result('b') AS t(n bigint);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
  INSERT INTO pg_temp.race_error VALUES (s, m);
END $$;
SELECT dblink_disconnect(c) FROM unnest(ARRAY['a', 'b']) c;

BEGIN;
SELECT plan(28);
CREATE FUNCTION pg_temp.sender_of(key text) RETURNS text LANGUAGE sql AS $$
  SELECT r.from_address FROM txrelay.nonce_reservations r JOIN txrelay.withdrawals w USING (withdrawal_id)
   WHERE w.idempotency_key = key $$;

SELECT is(:b_waited, 0, 'a second batch at once does not wait for the first');
SELECT is(:b_count, 2, 'and approves its two withdrawals');
SELECT ok(pg_temp.sender_of('r-a1') = pg_temp.sender_of('r-a2') AND pg_temp.sender_of('r-b1') = pg_temp.sender_of('r-b2')
          AND pg_temp.sender_of('r-a1') <> pg_temp.sender_of('r-b1'), 'each batch on one sender, the two on two senders');
SELECT is(:race_waited, 1, 'a batch waits on an approval_id a concurrent single call holds');
SELECT is((SELECT state FROM pg_temp.race_error), 'TR007', 'and once that call commits, the batch is refused with TR007');
SELECT matches((SELECT message FROM pg_temp.race_error),
               '^approve_withdrawals: approvals\[1\] \(withdrawal_id [0-9a-f-]+\): approval_id [0-9a-f-]+ was already used$',
               'naming the element whose approval_id was taken');
SELECT is((SELECT array_agg(status ORDER BY idempotency_key) FROM txrelay.withdrawals WHERE idempotency_key IN ('r-y', 'r-z')),
          '{requested,requested}', 'the refused batch approved nothing');

-- One sender, consecutive nonces in element order.
SELECT is((SELECT count(*)::int FROM txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-3', 'pd-c-3'),
             pg_temp.appr('c-1', 'pd-c-1'), pg_temp.appr('c-4', 'pd-c-4'), pg_temp.appr('c-2', 'pd-c-2')))), 4, 'four approvals');
SELECT is((SELECT count(DISTINCT pg_temp.sender_of(k))::int FROM unnest(ARRAY['c-1', 'c-2', 'c-3', 'c-4']) k), 1,
          'all four from one sender');
SELECT is((SELECT array_agg(r.nonce - first.nonce ORDER BY e.n) FROM unnest(ARRAY['c-3', 'c-1', 'c-4', 'c-2']) WITH ORDINALITY e (k, n)
             JOIN txrelay.withdrawals w ON w.idempotency_key = e.k JOIN txrelay.nonce_reservations r USING (withdrawal_id),
             (SELECT min(r.nonce) AS nonce FROM txrelay.nonce_reservations r JOIN txrelay.withdrawals w USING (withdrawal_id)
               WHERE w.idempotency_key IN ('c-1', 'c-2', 'c-3', 'c-4')) first),
          '{0,1,2,3}'::bigint[], 'at consecutive nonces in element order');
SELECT is_empty($$SELECT from_address FROM txrelay.nonce_reservations WHERE chain_id = 197 GROUP BY from_address
                   HAVING min(nonce) <> 0 OR max(nonce) <> count(*) - 1$$, 'each sender''s nonces 0..N-1, across batches and single calls: no gap');

-- What a batch writes for a withdrawal is what the single call writes (ETH and an ERC-20 token).
SELECT txrelay.approve((SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = k), md5('pd-' || k)::uuid, 'pd-' || k, 'risk-engine')
  FROM unnest(ARRAY['c-s1', 'c-usdc-s1']) k;
SELECT is((SELECT count(*)::int FROM txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-s2', 'pd-c-s2'),
             pg_temp.appr('c-usdc-s2', 'pd-c-usdc-s2')))), 2, 'an ETH and a USDC withdrawal approved in a batch');
CREATE FUNCTION pg_temp.written(key text) RETURNS TABLE (what text) LANGUAGE sql AS $$
  SELECT concat_ws(' ', 'request', s.kind, s.chain_id, s.to_address, s.value, encode(s.data, 'hex'), s.status,
                   s.replaces_attempt_id, s.min_max_fee_per_gas)
    FROM txrelay.signature_requests s JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = key
  UNION ALL
  SELECT concat_ws(' ', 'job', o.kind, o.chain_id, o.status, o.signature_request_id = s.signature_request_id)
    FROM txrelay.outbox o JOIN txrelay.withdrawals w USING (withdrawal_id)
    LEFT JOIN txrelay.signature_requests s USING (withdrawal_id) WHERE w.idempotency_key = key
  UNION ALL
  SELECT concat_ws(' ', 'approval', a.decision, a.decided_by, a.reason IS NULL, a.policy_decision_id = 'pd-' || key)
    FROM txrelay.approvals a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = key
  UNION ALL
  SELECT concat_ws(' ', 'event', e.event, e.from_status, e.to_status, replace(e.reason, 'pd-' || key, 'PD'))
    FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = key
  UNION ALL
  SELECT concat_ws(' ', 'withdrawal', w.status, replace(w.status_reason, 'pd-' || key, 'PD'))
    FROM txrelay.withdrawals w WHERE w.idempotency_key = key
  ORDER BY 1 $$;
SELECT results_eq($$SELECT * FROM pg_temp.written('c-s2')$$, $$SELECT * FROM pg_temp.written('c-s1')$$,
                  'ETH: the same signature request, signing job, approval, status event and status as the single call');
SELECT results_eq($$SELECT * FROM pg_temp.written('c-usdc-s2')$$, $$SELECT * FROM pg_temp.written('c-usdc-s1')$$,
                  'USDC: the same, the token transfer call included');
SELECT is((SELECT count(*)::int FROM pg_temp.written('c-usdc-s2')), 6, '(six rows compared: request, job, approval, two events, status)');

-- Two chains in one batch: one sender each, each chain's nonces consecutive in element order.
SELECT is((SELECT count(*)::int FROM txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('m-1', 'pd-m-1'),
             pg_temp.appr('m-2', 'pd-m-2'), pg_temp.appr('m-3', 'pd-m-3')))), 3, 'a batch over two chains');
SELECT results_eq($$SELECT w.chain_id, r.nonce - min(r.nonce) OVER (PARTITION BY w.chain_id), r.from_address = first_value(r.from_address) OVER (PARTITION BY w.chain_id)
                      FROM txrelay.withdrawals w JOIN txrelay.nonce_reservations r USING (withdrawal_id)
                     WHERE w.idempotency_key IN ('m-1', 'm-2', 'm-3') ORDER BY w.idempotency_key$$,
                  $$VALUES (197::bigint, 0::bigint, true), (1197, 0, true), (197, 1, true)$$,
                  'one sender per chain, its nonces in element order');
-- A client-signed sender: the batch queues no signing job, as the single call does not.
SELECT txrelay.approve(pg_temp.request_on('cs-s1', 2197), md5('pd-cs-s1')::uuid, 'pd-cs-s1', 'risk-engine');
SELECT is((SELECT count(*)::int FROM txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('cs-s2', 'pd-cs-s2')))), 1,
          'a client-signed sender''s withdrawal approved in a batch');
SELECT results_eq($$SELECT * FROM pg_temp.written('cs-s2')$$, $$SELECT * FROM pg_temp.written('cs-s1')$$,
                  'the same rows as the single call: a signature request for the client, no signing job');
SELECT is((SELECT count(*)::int FROM pg_temp.written('cs-s2') x WHERE x.what LIKE 'job%'), 0, '(no job in either)');

-- Replays and refusals write nothing.
SELECT txrelay_test.snapshot() AS before \gset
SELECT results_eq($$SELECT w.idempotency_key, w.status FROM txrelay.approve_withdrawals(jsonb_build_array(
                      pg_temp.appr('c-3', 'pd-c-3'), pg_temp.appr('c-1', 'pd-c-1'))) w$$,
                  $$VALUES ('c-3', 'approved'), ('c-1', 'approved')$$, 'a batch again: its withdrawals, as they are');
SELECT throws_like($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-5', 'pd-c-5'), pg_temp.appr('c-5', 'pd-c-5b')))$$,
                   'approve_withdrawals: approvals[1] (withdrawal_id %): withdrawal % is approved, not requested',
                   'a withdrawal twice with two decisions: the second is refused, named, as the single call refuses it');
SELECT throws_ok($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-5', 'pd-c-5'), pg_temp.appr('r-y', 'pd-c-5')))$$,
                 'TR007', NULL, 'an approval_id an earlier element used for another withdrawal: TR007');
SELECT throws_like($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-5', 'pd-c-5'),
                       pg_temp.appr('c-5', 'pd-x') || jsonb_build_object('withdrawal_id', gen_random_uuid())))$$,
                   'approve_withdrawals: approvals[1] %does not name a withdrawal%', 'an unknown withdrawal_id: named');
SELECT throws_like($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-5', 'pd-c-5'),
                       pg_temp.appr('r-y', 'pd-r-y') || '{"decided_by": "TXRELAY:me"}'))$$,
                   'approve_withdrawals: approvals[1] %reserved for txrelay%', 'a decided_by of txrelay''s own: named');
SELECT is(txrelay_test.snapshot(), :'before', 'the replay and the refused batches wrote nothing');
SELECT txrelay.set_sender_status(197, a, 'paused', 'test') FROM (SELECT DISTINCT address AS a FROM txrelay.senders WHERE chain_id = 197) s;
SELECT txrelay_test.snapshot() AS paused \gset
SELECT throws_like($$SELECT txrelay.approve_withdrawals(jsonb_build_array(pg_temp.appr('c-5', 'pd-c-5')))$$,
                   'approve_withdrawals: approvals[0] (withdrawal_id %): no usable sender on chain 197%',
                   'no usable sender: TR008 on the chain''s first element');
SELECT is(txrelay_test.snapshot(), :'paused', 'the refused batches wrote nothing');
SELECT * FROM finish();
ROLLBACK;
