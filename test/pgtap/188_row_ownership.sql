-- Applications sharing one database (issue 17, part 5): an application login sees and cancels
-- only the withdrawals it requested; a TR001 for another application's key reveals neither the
-- withdrawal nor which fields differ. Two real logins in txrelay_app, each on its own connection.
SET statement_timeout = '60s';
SELECT txrelay_test.fixture(188);  -- committed: chain 188, alice funded
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'txrelay_test_app') THEN CREATE ROLE txrelay_test_app LOGIN IN ROLE txrelay_app; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'txrelay_test_app2') THEN CREATE ROLE txrelay_test_app2 LOGIN IN ROLE txrelay_app; END IF;
END $$;
CREATE FUNCTION pg_temp.connect(name text, login text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dblink_connect(name, format('dbname=%s host=%s port=%s user=%s', current_database(),
           split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), login));
END $$;
-- The SQLSTATE and message of `call` (one text column) on connection `conn` ('00000' when it succeeds).
CREATE FUNCTION pg_temp.try(conn text, call text, OUT state text, OUT message text, OUT detail text) LANGUAGE plpgsql AS $$
BEGIN
  state := '00000';
  BEGIN
    PERFORM * FROM dblink(conn, call) AS t(x text);
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  END;
END $$;
SELECT pg_temp.connect('app1', 'txrelay_test_app');
SELECT pg_temp.connect('app2', 'txrelay_test_app2');
SELECT w AS mine FROM dblink('app1', $q$SELECT (txrelay.request_withdrawal('own-1', 'alice', 188, 'ETH',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 21)).withdrawal_id$q$) AS t(w uuid) \gset

BEGIN;
SELECT plan(10);
SELECT is((SELECT requested_by FROM txrelay.withdrawals WHERE withdrawal_id = :'mine'), 'txrelay_test_app',
          'a withdrawal records the login that requested it');
SELECT is((SELECT state || ': ' || message FROM pg_temp.try('app2', format($$SELECT (txrelay.cancel(%L, 'not mine')).status$$, :'mine'))),
          '22023: withdrawal_id does not name a withdrawal', 'another application cannot cancel it: to it, it does not exist');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'mine'), 'requested', 'and it is not cancelled');
SELECT is((SELECT state || ': ' || message || ' / ' || detail FROM pg_temp.try('app2',
            $$SELECT (txrelay.request_withdrawal('own-1', 'alice', 188, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 22)).status$$)),
          'TR001: idempotency_key "own-1" was already used / Another application''s withdrawal has this key.',
          'its key, from another application: TR001 without the withdrawal id or the differing fields');
SELECT is((SELECT state FROM pg_temp.try('app2',
            $$SELECT (txrelay.request_withdrawal('own-1', 'alice', 188, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 21)).status$$)),
          'TR001', 'even the identical request is no replay for another application (that would hand it the row)');
SELECT is((SELECT count(*)::int FROM dblink('app2', $q$SELECT withdrawal_id FROM txrelay.events_since(NULL, 10000)$q$) AS t(w uuid)
            WHERE w = :'mine'), 0, 'the other application''s feed does not carry its events');
SELECT ok((SELECT count(*) FROM dblink('app1', $q$SELECT withdrawal_id FROM txrelay.events_since(NULL, 10000)$q$) AS t(w uuid)
            WHERE w = :'mine') > 0, 'its own application''s feed does');
SELECT is((SELECT state FROM pg_temp.try('app1', format($$SELECT (txrelay.cancel(%L, 'mine')).status$$, :'mine'))), '00000',
          'its own application cancels it');
SELECT ok(txrelay._sees_withdrawal('txrelay_test_app2'), 'a superuser (and operators, approvers, auditors) see every withdrawal');
SELECT ok(txrelay._sees_withdrawal(NULL), 'a withdrawal from before 0.2.0 (no owner) stays visible to every application');
SELECT * FROM finish();
ROLLBACK;
SELECT dblink_disconnect('app1');
SELECT dblink_disconnect('app2');
