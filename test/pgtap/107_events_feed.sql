-- The application's event feed, events_since(): event ids are drawn before commit, so a later id
-- can commit first. Here a slow transaction draws its event id first and stays open while a fast
-- one commits a higher id. A reader that followed ids would pass the fast event and never see the
-- slow one; the feed must hold the fast event back until the slow one commits, then give both, in
-- a stable order, each once, also when read page by page.
-- (Two accounts: one account's reservations serialise on its row.)
-- The scenario runs outside a test transaction (an open transaction of ours would hold the feed
-- back too); the observations are checked afterwards.
SELECT txrelay_test.fixture(107);

CREATE FUNCTION pg_temp.connect(name text) RETURNS void LANGUAGE sql AS $$
  SELECT dblink_connect(name, format('dbname=%s host=%s port=%s user=%s', current_database(),
                        split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user))
$$;
-- Everything the feed gives after `after`, read on the reader connection in pages of `page`.
CREATE FUNCTION pg_temp.read_feed(after text, page int)
  RETURNS TABLE (n int, pos text, event_id bigint, idempotency_key text, event text) LANGUAGE plpgsql AS $$
DECLARE
  r record;
  k int := 0;
  got int;
BEGIN
  after := nullif(after, '');  -- '' = from the beginning
  LOOP
    got := 0;
    FOR r IN SELECT * FROM dblink('feed_reader', format('SELECT feed_position, event_id, idempotency_key, event FROM txrelay.events_since(%L, %s)', after, page))
                AS t(p text, e bigint, key text, ev text) LOOP
      k := k + 1; got := got + 1;
      n := k; pos := r.p; event_id := r.e; idempotency_key := r.key; event := r.ev;
      after := r.p;
      RETURN NEXT;
    END LOOP;
    EXIT WHEN got < page;
  END LOOP;
END
$$;
CREATE TEMP TABLE seen (step text, n int, pos text, event_id bigint, idempotency_key text, event text);

SELECT pg_temp.connect('feed_slow'), pg_temp.connect('feed_fast'), pg_temp.connect('feed_reader');
SELECT coalesce((SELECT pos FROM pg_temp.read_feed(NULL, 1000) ORDER BY n DESC LIMIT 1), '') AS start \gset
SELECT dblink_exec('feed_slow', 'BEGIN');
SELECT * FROM dblink('feed_slow', $$SELECT (txrelay.request_withdrawal('feed-slow', 'alice', 107, 'ETH', txrelay_test.dev(2), 5)).status$$) AS t(s text);
SELECT * FROM dblink('feed_fast', $$SELECT (txrelay.request_withdrawal('feed-fast', 'bob', 107, 'ETH', txrelay_test.dev(3), 6)).status$$) AS t(s text);
INSERT INTO seen SELECT 'slow open', * FROM pg_temp.read_feed(:'start', 1000);
SELECT dblink_exec('feed_slow', 'COMMIT');
INSERT INTO seen SELECT 'after commit', * FROM pg_temp.read_feed(:'start', 1000);
INSERT INTO seen SELECT 'pages of 1', * FROM pg_temp.read_feed(:'start', 1);
SELECT dblink_disconnect('feed_slow'), dblink_disconnect('feed_fast'), dblink_disconnect('feed_reader');

BEGIN;
SELECT plan(9);

SELECT ok((SELECT min(event_id) FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = 'feed-slow')
          < (SELECT min(event_id) FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = 'feed-fast'),
          'the slow transaction drew the lower event id (the case an id cursor gets wrong)');
SELECT is((SELECT count(*)::int FROM seen WHERE step = 'slow open' AND idempotency_key IN ('feed-slow', 'feed-fast')), 0,
          'while the slow transaction is open, the feed holds back the fast one''s committed event');
SELECT is((SELECT string_agg(idempotency_key, ',' ORDER BY n) FROM (SELECT DISTINCT ON (idempotency_key) * FROM seen WHERE step = 'after commit' ORDER BY idempotency_key, n) x),
          'feed-slow,feed-fast', 'after the commit the feed gives the slow transaction''s events, then the fast one''s');
SELECT is((SELECT count(*)::int FROM seen WHERE step = 'after commit'),
          (SELECT count(*)::int FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key IN ('feed-slow', 'feed-fast')),
          'every event of both, nothing else new');
SELECT is((SELECT count(DISTINCT event_id)::int FROM seen WHERE step = 'after commit'),
          (SELECT count(*)::int FROM seen WHERE step = 'after commit'), 'each once');
SELECT results_eq($$SELECT n, pos, event_id FROM seen WHERE step = 'pages of 1' ORDER BY n$$,
                  $$SELECT n, pos, event_id FROM seen WHERE step = 'after commit' ORDER BY n$$,
                  'read one row at a time, the feed gives the same events in the same order');

SELECT throws_ok($$SELECT * FROM txrelay.events_since('41')$$, '22023',
                 'after_position is not a position returned by events_since', 'a position that is not one is refused');
SELECT throws_ok($$SELECT * FROM txrelay.events_since(NULL, 0)$$, '22023', 'max_rows must be between 1 and 10000',
                 'a page of 0 rows is refused');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT count(*) FROM txrelay.events_since(NULL, 10)')$$,
                'the application role reads the feed');

SELECT * FROM finish();
ROLLBACK;
