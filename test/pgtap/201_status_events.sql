-- The status events under statement-level triggers (issue 23): every statement that inserts
-- withdrawals or moves statuses writes exactly one withdrawal_events row per inserted withdrawal
-- and per changed status, with that row's from, to and reason; nothing for a row whose status did
-- not change, nothing for a statement that fails, and the same for the owner writing by hand, in
-- replica mode too.
BEGIN;
SELECT plan(11);
SELECT txrelay_test.fixture();
CREATE TEMP TABLE w AS
  SELECT n, (txrelay.request_withdrawal('se201-' || n, 'alice', 31337, 'ETH', txrelay_test.dev(2), n)).withdrawal_id AS id
    FROM generate_series(1, 6) n;
CREATE FUNCTION pg_temp.events(event_filter text DEFAULT 'status') RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id IN (SELECT id FROM w) AND event = event_filter $$;

SELECT is(pg_temp.events(), 6::bigint, 'six requests: six requested events');
SELECT results_eq($$SELECT DISTINCT from_status IS NULL, to_status, reason FROM txrelay.withdrawal_events
                     WHERE withdrawal_id IN (SELECT id FROM w)$$,
                  $$VALUES (true, 'requested', 'requested')$$, 'each from nothing to requested, with its reason');

-- One multi-row UPDATE by the owner: four move, two are only touched.
UPDATE txrelay.withdrawals x
   SET status = CASE WHEN w.n <= 4 THEN 'rejected' ELSE x.status END,
       status_reason = CASE WHEN w.n <= 4 THEN 'rejected in bulk #' || w.n ELSE x.status_reason END
  FROM w WHERE x.withdrawal_id = w.id;
SELECT is(pg_temp.events(), 10::bigint, 'a multi-row UPDATE moving four of six writes four events');
SELECT results_eq($$SELECT w.n, e.from_status, e.to_status, e.reason FROM txrelay.withdrawal_events e JOIN w ON w.id = e.withdrawal_id
                     WHERE e.to_status = 'rejected' ORDER BY w.n$$,
                  $$VALUES (1, 'requested', 'rejected', 'rejected in bulk #1'), (2, 'requested', 'rejected', 'rejected in bulk #2'),
                           (3, 'requested', 'rejected', 'rejected in bulk #3'), (4, 'requested', 'rejected', 'rejected in bulk #4')$$,
                  'each event names its own row''s from, to and reason');
SELECT is((SELECT count(*) FROM txrelay.withdrawal_events e JOIN w ON w.id = e.withdrawal_id WHERE w.n > 4), 2::bigint,
          'the two rows whose status did not change have only their requested event');

UPDATE txrelay.withdrawals SET status = status WHERE withdrawal_id IN (SELECT id FROM w);
UPDATE txrelay.withdrawals SET status_reason = 'note only' WHERE withdrawal_id IN (SELECT id FROM w WHERE n > 4);
SELECT is(pg_temp.events(), 10::bigint, 'an UPDATE that changes no status writes no event');

-- A statement that fails writes nothing: the second row's move is refused by the state machine.
SELECT throws_ok($$UPDATE txrelay.withdrawals x SET status = CASE WHEN w.n = 5 THEN 'approved' ELSE 'included' END
                     FROM w WHERE x.withdrawal_id = w.id AND w.n IN (5, 6)$$, 'TR003', NULL,
                 'a multi-row UPDATE with one refused move fails whole');
SELECT is(pg_temp.events(), 10::bigint, 'and writes no event, not even for the row that could move');

-- The batch API and a replay.
SELECT is((SELECT count(*) FROM txrelay.request_withdrawals(jsonb_build_array(
             jsonb_build_object('idempotency_key', 'se201-b1', 'account', 'alice', 'chain_id', 31337, 'asset', 'ETH',
                                'to_address', txrelay_test.dev(2), 'amount', 7),
             jsonb_build_object('idempotency_key', 'se201-1', 'account', 'alice', 'chain_id', 31337, 'asset', 'ETH',
                                'to_address', txrelay_test.dev(2), 'amount', 1)))), 2::bigint, 'a batch of one new request and one replay');
SELECT is((SELECT count(*) FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals x USING (withdrawal_id)
            WHERE x.idempotency_key IN ('se201-b1', 'se201-1') AND e.to_status = 'requested'), 2::bigint,
          'one requested event for the new one, none more for the replay');

-- Replica mode does not switch the triggers off (ENABLE ALWAYS).
SET LOCAL session_replication_role = replica;
UPDATE txrelay.withdrawals SET status = 'approved', status_reason = 'in replica mode' WHERE withdrawal_id = (SELECT id FROM w WHERE n = 5);
RESET session_replication_role;
SELECT is((SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id = (SELECT id FROM w WHERE n = 5)
            AND to_status = 'approved' AND reason = 'in replica mode'), 1::bigint,
          'an UPDATE in replica mode writes its event too');

SELECT * FROM finish();
ROLLBACK;
