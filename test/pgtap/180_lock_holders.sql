-- One session must not stall everyone (issue 17, part 4). The attacks, each with a second session
-- (dblink) that holds its transaction open and a timer in this one:
--   1. as txrelay_app: one auto-approved request per hot wallet, then idle in transaction: every
--      other approve waited until that session ended;
--   2. any role could take the advisory lock request_withdrawal used for a key and block it;
--   3. any role holding a transaction open (BEGIN; SELECT pg_current_xact_id()) held back
--      events_since for every application.
SET statement_timeout = '60s';  -- a regression here would hang, not fail
SELECT txrelay_test.fixture(180);  -- committed: chain 180, two senders, tier small (< 1000 auto-approved)
-- Logins as an attacker has them: one with no txrelay role, one in txrelay_app (the feed looks at
-- the login, which SET ROLE does not change).
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'txrelay_test_outsider') THEN CREATE ROLE txrelay_test_outsider LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'txrelay_test_app') THEN CREATE ROLE txrelay_test_app LOGIN IN ROLE txrelay_app; END IF;
END $$;
CREATE FUNCTION pg_temp.session(name text, login text DEFAULT current_user) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT name = ANY (coalesce(dblink_get_connections(), '{}')) THEN
    PERFORM dblink_connect(name, format('dbname=%s host=%s port=%s user=%s', current_database(),
             split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), login));
  END IF;
END $$;
SELECT pg_temp.session('holder', 'txrelay_test_app');
SELECT pg_temp.session('outsider', 'txrelay_test_outsider');
SELECT pg_temp.session('writer');

BEGIN;
SELECT plan(13);
SELECT (txrelay.request_withdrawal('lh-waiting', 'alice', 180, 'ETH', txrelay_test.dev(2), 5000)).withdrawal_id AS waiting \gset
COMMIT;
BEGIN;

-- 1. Both hot wallets held by an application session that stays idle in transaction.
SELECT dblink_exec('holder', 'BEGIN');
SELECT is((SELECT string_agg(s, ',') FROM dblink('holder',
          $q$SELECT (txrelay.request_withdrawal('lh-h' || k, 'alice', 180, 'ETH', txrelay_test.dev(2), 11, 'small')).status
               FROM generate_series(1, 2) k$q$) AS t(s text)), 'approved,approved',
          'the holder has both senders locked (two auto-approved requests, transaction left open)');
SELECT clock_timestamp() AS t0 \gset
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'lh-pd', 'carol')$$, :'waiting'), 'TR011',
                 'every sender of chain 180 is held by another transaction', 'approve fails fast with TR011 (retryable)');
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, '<', 5::numeric,
              'after the documented bound (2 s), not when the holder ends');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'waiting'), 'requested', 'nothing was written');
SELECT is((txrelay.request_withdrawal('lh-auto', 'bob', 180, 'ETH', txrelay_test.dev(2), 12, 'small')).status, 'requested',
          'an auto-approvable request is accepted and waits (it does not fail, nor hang)');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key = 'lh-auto' AND e.event = 'auto_approval_deferred' AND e.reason LIKE '%held by another transaction%'), 1,
          'with a note that says why');
SELECT dblink_exec('holder', 'ROLLBACK');
SELECT is((txrelay.approve(:'waiting', gen_random_uuid(), 'lh-pd', 'carol')).status, 'approved', 'once the holder is gone, it goes through');

-- 2. No advisory lock on the path: nothing any role could take to block a key or a deposit.
SELECT txrelay.request_withdrawal('lh-key', 'alice', 180, 'ETH', txrelay_test.dev(2), 13);
SELECT txrelay.credit('alice', 180, 'ETH', 5, 'lh-credit');
SELECT txrelay.credit_deposit('alice', 180, 'ETH', 5, '0x' || repeat('1f', 32), 0);
SELECT txrelay.reconcile(180);
SELECT is((SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'), 0,
          'request_withdrawal, credit, credit_deposit and reconcile take no advisory lock');
COMMIT;

-- 3. The event feed: held back by an open transaction of a role that may write events only.
BEGIN;
SELECT dblink_exec('outsider', 'BEGIN');
SELECT * FROM dblink('outsider', 'SELECT pg_current_xact_id()::text') AS t(x text);
SELECT * FROM dblink('writer', $q$SELECT (txrelay.request_withdrawal('lh-feed-1', 'alice', 180, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 14)).status$q$) AS t(s text);
SELECT is((SELECT count(*)::int FROM txrelay.events_since(NULL, 10000) WHERE idempotency_key = 'lh-feed-1'), 1,
          'an open transaction of a role that cannot write events does not hold the feed back');
SELECT dblink_exec('outsider', 'ROLLBACK');
SELECT dblink_exec('holder', 'BEGIN');
SELECT * FROM dblink('holder', 'SELECT pg_current_xact_id()::text') AS t(x text);
SELECT * FROM dblink('writer', $q$SELECT (txrelay.request_withdrawal('lh-feed-2', 'alice', 180, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 15)).status$q$) AS t(s text);
SELECT is((SELECT count(*)::int FROM txrelay.events_since(NULL, 10000) WHERE idempotency_key = 'lh-feed-2'), 0,
          'one of a role that may write events does: its events could still commit before this one');
SELECT dblink_exec('holder', 'ROLLBACK');
SELECT is((SELECT count(*)::int FROM txrelay.events_since(NULL, 10000) WHERE idempotency_key = 'lh-feed-2'), 1,
          'and releases it when it ends');
SELECT is((SELECT count(*)::int FROM (SELECT DISTINCT feed_position FROM txrelay.events_since(NULL, 10000)) p),
          (SELECT count(*)::int FROM txrelay.events_since(NULL, 10000)), 'positions stay unique');
SELECT ok(NOT has_function_privilege('txrelay_app', 'txrelay._event_horizon()', 'EXECUTE'), 'the horizon is internal');
SELECT * FROM finish();
COMMIT;
SELECT dblink_disconnect('holder');
SELECT dblink_disconnect('outsider');
SELECT dblink_disconnect('writer');
