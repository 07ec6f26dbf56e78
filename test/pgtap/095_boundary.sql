-- The C++/PostgreSQL boundary (DESIGN §9) under real errors raised inside guarded calls: a
-- lock timeout while txrelay waits on a lock (in C++ and in a C++ trigger under it), and errors caught by a
-- PL/pgSQL handler. Each must surface with PostgreSQL's own SQLSTATE, leave nothing behind and
-- leave the backend able to serve the next call.
-- The second connection holds the idempotency-key lock of 'b-1' and the account row of alice.
DO $$ BEGIN PERFORM txrelay_test.fixture(95); END $$;  -- committed, so that the second connection sees it
DO $$
BEGIN
  PERFORM dblink_connect('holder', format('dbname=%s host=%s port=%s user=%s', current_database(),
          split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
  PERFORM dblink_exec('holder', 'BEGIN');
  PERFORM * FROM dblink('holder', $q$SELECT (txrelay.request_withdrawal('b-1', 'alice', 95, 'ETH',
                         '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)).withdrawal_id::text$q$) AS t(id text);
END
$$;

BEGIN;
SELECT plan(9);
-- (lock_timeout, not statement_timeout: PL/pgSQL handlers, pgTAP's included, never catch a cancel)
SET LOCAL lock_timeout = '200ms';
SELECT throws_ok($$SELECT txrelay.request_withdrawal('b-1', 'alice', 95, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$,
                 '55P03', NULL, 'a lock timeout inside a guarded wait (the idempotency-key lock) surfaces as 55P03');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('b-2', 'alice', 95, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$,
                 '55P03', NULL, 'a lock timeout in the ledger trigger (nested C++ in C++) surfaces as 55P03');
SET LOCAL lock_timeout = 0;
SELECT lives_ok($$SELECT txrelay.request_withdrawal('b-3', 'bob', 95, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$,
                'the same backend serves the next call');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key IN ('b-1', 'b-2')), 0,
          'the interrupted calls left nothing');

-- Errors caught by PL/pgSQL (a subtransaction rolled back) do not poison later calls.
CREATE FUNCTION pg_temp.try_many() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  caught int := 0;
BEGIN
  FOR i IN 1..50 LOOP
    BEGIN
      PERFORM txrelay.request_withdrawal('b-loop-' || i, 'bob', 95, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1000000);
    EXCEPTION WHEN SQLSTATE 'TR002' THEN
      caught := caught + 1;
    END;
    PERFORM txrelay.credit('bob', 95, 'ETH', 1, 'b-loop-credit-' || i);
  END LOOP;
  RETURN caught;
END
$$;
SELECT is(pg_temp.try_many(), 50, '50 refusals caught in PL/pgSQL');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE reference LIKE 'b-loop-credit-%'), 50,
          'and every call after each of them worked');
SELECT throws_ok($$SELECT txrelay.request_withdrawal(NULL, 'bob', 95, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$,
                 '22023', 'idempotency_key must not be null', 'a C++ domain error keeps its SQLSTATE and message');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'the ledger is consistent');
SELECT lives_ok($$SELECT dblink_exec('holder', 'ROLLBACK')$$, 'the holder lets go');
SELECT * FROM finish();
ROLLBACK;
DO $$ BEGIN PERFORM dblink_disconnect('holder'); END $$;
