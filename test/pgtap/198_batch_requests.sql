-- Set-based requests (issue 23): request_withdrawals checks every element's arguments, then each
-- element's asset, tier and key in order, inserts the new withdrawals in one statement and
-- writes each one's RESERVE and auto-approval in order. It must leave what the single calls
-- leave, keep one withdrawal per key inside a batch and against concurrent callers (waiting on
-- the key, then a replay or TR001 on the element; 40001 under REPEATABLE READ), name the
-- element that runs out of balance, and count its calls as the single call counts them.
SET statement_timeout = '60s';
SELECT txrelay_test.fixture(198);  -- committed: the concurrent sessions below must see it
CREATE FUNCTION pg_temp.req(key text, amount numeric DEFAULT 1000, account text DEFAULT 'alice') RETURNS jsonb
  LANGUAGE sql AS $$ SELECT jsonb_build_object('idempotency_key', key, 'account', account, 'chain_id', 198, 'asset', 'ETH',
                                               'to_address', txrelay_test.dev(3), 'amount', amount) $$;
CREATE FUNCTION pg_temp.batch(VARIADIC elements jsonb[]) RETURNS text LANGUAGE sql AS $$
  SELECT format('SELECT withdrawal_id::text FROM txrelay.request_withdrawals(%L)', to_jsonb(elements)) $$;
-- The SQLSTATE, message and detail of `call` on connection `conn`, or of its pending result.
CREATE FUNCTION pg_temp.failure(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; msg text; detail text;
BEGIN
  EXECUTE call;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  RETURN state || ': ' || msg || ' / ' || detail;
END $$;
SELECT dblink_connect(c, format('dbname=%s host=%s port=%s user=%s', current_database(),
       split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user))
  FROM unnest(ARRAY['single', 'batch']) c;

-- 1. A single call holds a key, uncommitted; a batch with the same request for it waits, then
--    returns the single call's withdrawal for that element and a new one for the other.
SELECT dblink_exec('single', 'BEGIN');
SELECT * FROM dblink('single', format($$SELECT (txrelay.request_withdrawal('q-race', 'alice', 198, 'ETH', %L, 1000)).withdrawal_id::text$$,
                                      txrelay_test.dev(3))) AS t(id text);
SELECT dblink_send_query('batch', pg_temp.batch(pg_temp.req('q-new'), pg_temp.req('q-race')));
SELECT pg_sleep(0.3);
SELECT dblink_is_busy('batch') AS race_waited \gset
SELECT dblink_exec('single', 'COMMIT');
CREATE TEMP TABLE race AS SELECT row_number() OVER () AS n, id FROM dblink_get_result('batch') AS t(id text);
SELECT * FROM dblink_get_result('batch') AS t(id text);
-- 2. The same with another amount: TR001 on that element once the single call commits.
SELECT dblink_exec('single', 'BEGIN');
SELECT * FROM dblink('single', format($$SELECT (txrelay.request_withdrawal('q-race2', 'alice', 198, 'ETH', %L, 700)).withdrawal_id::text$$,
                                      txrelay_test.dev(3))) AS t(id text);
SELECT dblink_send_query('batch', pg_temp.batch(pg_temp.req('q-new2'), pg_temp.req('q-race2', 500)));
SELECT pg_sleep(0.3);
SELECT dblink_is_busy('batch') AS race2_waited \gset
SELECT dblink_exec('single', 'COMMIT');
SELECT count(*) AS race2_rows FROM dblink_get_result('batch', false) AS t(id text) \gset
SELECT dblink_error_message('batch') AS race2_error \gset
SELECT * FROM dblink_get_result('batch', false) AS t(id text);
-- 3. The single call rolls back: the batch writes the key's withdrawal itself.
SELECT dblink_exec('single', 'BEGIN');
SELECT * FROM dblink('single', format($$SELECT (txrelay.request_withdrawal('q-race3', 'alice', 198, 'ETH', %L, 1000)).withdrawal_id::text$$,
                                      txrelay_test.dev(3))) AS t(id text);
SELECT dblink_send_query('batch', pg_temp.batch(pg_temp.req('q-race3')));
SELECT pg_sleep(0.3);
SELECT dblink_exec('single', 'ROLLBACK');
SELECT id AS race3_id FROM dblink_get_result('batch') AS t(id text) \gset
SELECT * FROM dblink_get_result('batch') AS t(id text);
-- 4. REPEATABLE READ: a key committed after the batch's snapshot is 40001 for the batch.
SELECT dblink_exec('batch', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('batch', 'SELECT count(*) FROM txrelay.withdrawals') AS t(n bigint);
SELECT state AS rr_single FROM txrelay_test.run_elsewhere(format($f$DO $d$BEGIN PERFORM txrelay.request_withdrawal('q-rr', 'alice', 198, 'ETH', %L, 1000); END$d$$f$,
                                                                 txrelay_test.dev(3))) \gset
SELECT count(*) AS rr_rows FROM dblink('batch', pg_temp.batch(pg_temp.req('q-rr')), false) AS t(id text) \gset
SELECT dblink_error_message('batch') AS rr_error \gset
SELECT dblink_exec('batch', 'ROLLBACK');
SELECT dblink_disconnect(c) FROM unnest(ARRAY['single', 'batch']) c;

BEGIN;
SELECT plan(27);
SELECT is(:race_waited, 1, 'a batch with a key a single call holds, uncommitted, waits for it');
SELECT results_eq($$SELECT r.id FROM race r ORDER BY n$$,
                  $$SELECT w.withdrawal_id::text FROM unnest(ARRAY['q-new', 'q-race']) WITH ORDINALITY k (key, n)
                      JOIN txrelay.withdrawals w ON w.idempotency_key = k.key ORDER BY k.n$$,
                  'then returns the single call''s withdrawal for that element, and its own new one for the other');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key = 'q-race'), 1, 'one withdrawal for the key');
SELECT is(:race2_waited, 1, 'the same key with another request waits too');
SELECT is(:race2_rows, 0, 'and then refuses the batch');
SELECT matches(:'race2_error'::text, 'requests\[1\] \(idempotency_key ''q-race2''\): idempotency_key "q-race2" was already used for a different request',
               'TR001 on the element whose key the concurrent call took');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key IN ('q-new2', 'q-race2')), 1,
          'the batch wrote nothing: its other element is not there, the key holds the single call''s withdrawal');
SELECT is((SELECT idempotency_key FROM txrelay.withdrawals WHERE withdrawal_id = :'race3_id'), 'q-race3',
          'a key whose holder rolled back is the batch''s own new withdrawal');
SELECT is(:'rr_single'::text, '00000', 'another session commits a key after a REPEATABLE READ batch took its snapshot');
SELECT is(:rr_rows, 0, 'the batch then refuses');
SELECT matches(:'rr_error'::text, 'requests \(the batch as a whole\): an idempotency_key of the batch was used by a concurrent transaction',
               'with 40001''s message for the batch as a whole (retry)');

-- 5. The rows a batch writes are the single call's: the withdrawal, its events, its RESERVE and,
--    under the auto-approval limit, its approval.
SELECT txrelay.request_withdrawal('q-s1', 'alice', 198, 'ETH', txrelay_test.dev(2), 1234, 'standard', '{"ticket": 1}'),
       txrelay.request_withdrawal('q-s2', 'alice', 198, 'USDC', txrelay_test.dev(2), 55, 'small');
SELECT count(*) FROM txrelay.request_withdrawals(jsonb_build_array(
  jsonb_build_object('idempotency_key', 'q-b1', 'account', 'alice', 'chain_id', 198, 'asset', 'ETH', 'to_address', txrelay_test.dev(2),
                     'amount', 1234, 'risk_tier', 'standard', 'metadata', '{"ticket": 1}'::jsonb),
  jsonb_build_object('idempotency_key', 'q-b2', 'account', 'alice', 'chain_id', 198, 'asset', 'USDC', 'to_address', txrelay_test.dev(2),
                     'amount', 55, 'risk_tier', 'small')));
CREATE TEMP VIEW pairs AS SELECT s.withdrawal_id AS single, b.withdrawal_id AS batch, s.idempotency_key AS key
  FROM txrelay.withdrawals s JOIN txrelay.withdrawals b ON b.idempotency_key = 'q-b' || right(s.idempotency_key, 1)
 WHERE s.idempotency_key IN ('q-s1', 'q-s2');
SELECT results_eq(
  $$SELECT w.account, w.asset, w.to_address, w.amount::text, w.risk_tier, w.metadata::text, w.status,
           replace(w.status_reason, p.batch::text, ''), w.requested_by, w.request_fingerprint
      FROM pairs p JOIN txrelay.withdrawals w ON w.withdrawal_id = p.batch ORDER BY p.key$$,
  $$SELECT w.account, w.asset, w.to_address, w.amount::text, w.risk_tier, w.metadata::text, w.status,
           replace(w.status_reason, p.single::text, ''), w.requested_by, w.request_fingerprint
      FROM pairs p JOIN txrelay.withdrawals w ON w.withdrawal_id = p.single ORDER BY p.key$$,
  'a batch''s withdrawal rows are the single calls'' (the fingerprint included)');
SELECT results_eq(
  $$SELECT p.key, e.event, e.from_status, e.to_status, replace(e.reason, p.batch::text, '') FROM pairs p
      JOIN txrelay.withdrawal_events e ON e.withdrawal_id = p.batch ORDER BY p.key, e.event_id$$,
  $$SELECT p.key, e.event, e.from_status, e.to_status, replace(e.reason, p.single::text, '') FROM pairs p
      JOIN txrelay.withdrawal_events e ON e.withdrawal_id = p.single ORDER BY p.key, e.event_id$$,
  'their events are the single calls'' (requested; approved by the tier for the small one)');
SELECT results_eq(
  $$SELECT p.key, l.kind, l.account, l.asset, l.amount::text, l.fee::text FROM pairs p
      JOIN txrelay.ledger_entries l ON l.withdrawal_id = p.batch ORDER BY p.key$$,
  $$SELECT p.key, l.kind, l.account, l.asset, l.amount::text, l.fee::text FROM pairs p
      JOIN txrelay.ledger_entries l ON l.withdrawal_id = p.single ORDER BY p.key$$,
  'their RESERVE entries are the single calls''');
SELECT is((SELECT a.decided_by FROM pairs p JOIN txrelay.approvals a ON a.withdrawal_id = p.batch WHERE p.key = 'q-s2'),
          'txrelay:auto:small', 'the small one is auto-approved by its tier, as the single call is');

-- 6. Keys inside one batch.
CREATE TEMP TABLE dup AS SELECT row_number() OVER () AS n, withdrawal_id
  FROM txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-d1'), pg_temp.req('q-d2'), pg_temp.req('q-d1')));
SELECT results_eq($$SELECT withdrawal_id FROM dup ORDER BY n$$,
                  $$SELECT w.withdrawal_id FROM unnest(ARRAY['q-d1', 'q-d2', 'q-d1']) WITH ORDINALITY k (key, n)
                      JOIN txrelay.withdrawals w ON w.idempotency_key = k.key ORDER BY k.n$$,
                  'the same request twice in a batch is one withdrawal, returned for both elements');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries l JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key = 'q-d1'), 1, 'with one RESERVE');
SELECT txrelay_test.snapshot() AS before \gset
SELECT is(pg_temp.failure($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-e1', 100), pg_temp.req('q-e2'),
                                                                                 pg_temp.req('q-e1', 200)))$$),
          'TR001: request_withdrawals: requests[2] (idempotency_key ''q-e1''): idempotency_key "q-e1" was already used for a different request / '
          'requests[0] of this batch has this key; the requests differ in: amount. Nothing of the batch was recorded.',
          'the same key with two requests in a batch: TR001 on the second, naming the first and what differs');
-- Malformed arguments are found before the rules that read the database: the bad address of
-- element 1 is named, not the conflicting key of element 0.
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-s1', 1), pg_temp.req('q-f1') || '{"to_address": "0x12"}'))$$,
                   '%requests[1]%to_address%', 'an element''s malformed argument is named before an earlier element''s conflict');

-- 7. Balance: bob has 5000; the third 2000 of a batch does not fit, and is the one named.
SELECT is(pg_temp.failure($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-bob1', 2000, 'bob'),
            pg_temp.req('q-bob2', 2000, 'bob'), pg_temp.req('q-bob3', 2000, 'bob')))$$),
          'TR002: request_withdrawals: requests[2] (idempotency_key ''q-bob3''): available balance too low / '
          'Available 1000, requested 2000. Account "bob", chain 198, asset ETH. Nothing was recorded for idempotency_key "q-bob3". '
          'Nothing of the batch was recorded.',
          'TR002 names the element whose RESERVE the earlier ones left no room for');

-- 8. Hostile sizes and shapes, named on their element.
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-h1') || jsonb_build_object('asset', repeat('A', 9000))))$$,
                   '%requests[0]%asset is too long%', 'an asset of 9000 bytes is too long, not looked up');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-h2') || '{"metadata": "{}"}'))$$,
                   '%requests[0]%metadata must be a JSON object%', 'metadata that is a string holding braces is not an object');
SELECT throws_like($$SELECT txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-h3') || jsonb_build_object('idempotency_key', E'q\u202eh3')))$$,
                   '%requests[0]%idempotency_key must not contain%', 'a key with a bidirectional override is refused');
SELECT is(txrelay_test.snapshot(), :'before', 'none of the refused batches wrote anything');

-- 9. Auto-approval's daily limit counts the batch's own earlier elements, as consecutive single calls would.
SELECT txrelay.set_risk_tier('small', 1000, 'included:1', 2500, 100);
SELECT results_eq($$SELECT status FROM txrelay.request_withdrawals(jsonb_build_array(pg_temp.req('q-l1', 999) || '{"risk_tier": "small"}',
                      pg_temp.req('q-l2', 999) || '{"risk_tier": "small"}', pg_temp.req('q-l3', 999) || '{"risk_tier": "small"}'))$$,
                  $$VALUES ('approved'::text), ('approved'), ('requested')$$,
                  'the third 999 of the day would pass 2500: it waits, as with single calls');
SELECT is((SELECT count(*)::int FROM txrelay.nonce_reservations r JOIN txrelay.approvals a USING (withdrawal_id)
              JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key IN ('q-l1', 'q-l2', 'q-l3')), 2,
          'the two auto-approved have an approval and a nonce each, the third neither');
SELECT ok(EXISTS (SELECT FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
                   WHERE w.idempotency_key = 'q-l3' AND e.event = 'auto_approval_limit_reached'), 'and the third says why it waits');
SELECT * FROM finish();
ROLLBACK;
