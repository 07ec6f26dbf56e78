-- txrelay.after_restore() (issue 20): what a logical restore breaks - identity counters back at 1
-- (the next request fails with 23505) and triggers re-enabled in ordinary mode (a superuser with
-- session_replication_role = replica could then delete ledger entries) - is made here the way
-- pg_restore --data-only --disable-triggers leaves it, then repaired by one call; and the call
-- checks the ledger and compares a checkpoint with the archived hash. The real dump and restore
-- into a new cluster: test/e2e/logical_restore.sh.
BEGIN;
SELECT plan(17);
SELECT txrelay_test.fixture(192);
SELECT txrelay.request_withdrawal('restore-1', 'alice', 192, 'ETH', txrelay_test.dev(3), 1000);
SELECT * FROM txrelay.take_ledger_checkpoint() \gset cp_

-- What pg_restore leaves: every identity counter back below the restored rows (at the first
-- one's id: in this suite earlier files' rolled-back rows used the ids below), triggers in
-- ordinary mode.
CREATE FUNCTION pg_temp.rewind(t text, col text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE first_id bigint;
BEGIN
  EXECUTE format('SELECT coalesce(min(%I), 1) FROM txrelay.%I', col, t) INTO first_id;
  RETURN pg_catalog.setval(pg_get_serial_sequence(format('txrelay.%I', t), col), first_id, false);
END $$;
SELECT pg_temp.rewind(c.relname, a.attname)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'r' AND a.attidentity <> '';
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ALL;
ALTER TABLE txrelay.ledger_entries ENABLE TRIGGER ALL;
ALTER TABLE txrelay.withdrawal_events DISABLE TRIGGER ALL;
ALTER TABLE txrelay.withdrawal_events ENABLE TRIGGER ALL;
SELECT throws_ok($$SELECT txrelay.request_withdrawal('restore-2', 'alice', 192, 'ETH', txrelay_test.dev(3), 1000)$$,
                 '23505', NULL, 'as restored: the next request collides with a restored id (the issue''s 23505)');
SELECT isnt_empty($$SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    WHERE c.relname = 'ledger_entries' AND NOT t.tgisinternal AND t.tgenabled <> 'A'$$,
                  'as restored: the ledger''s triggers are in ordinary mode');

-- One call repairs it.
SELECT * INTO TEMP report FROM txrelay.after_restore();
SELECT results_eq($$SELECT step, ok FROM report$$,
                  $$VALUES ('identity', true), ('triggers', true), ('ledger', true), ('checkpoint', NULL::boolean)$$,
                  'after_restore() reports the four steps');
SELECT ok((SELECT detail LIKE 'moved past the restored rows: %ledger_entries.entry_id % -> %' FROM report WHERE step = 'identity'),
          'it names every counter it moved, from where to where (the one the failed request collided with)');
SELECT ok((SELECT detail LIKE '%ledger_entries.ledger_entries_append_only%' FROM report WHERE step = 'triggers'),
          'and every trigger it set back to ENABLE ALWAYS');
SELECT lives_ok($$SELECT txrelay.request_withdrawal('restore-2', 'alice', 192, 'ETH', txrelay_test.dev(3), 1000)$$,
                'after it, a new request is accepted');
SELECT is_empty($$SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                  WHERE c.relnamespace = 'txrelay'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'$$,
                'every trigger is ENABLE ALWAYS again');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$DELETE FROM txrelay.ledger_entries WHERE withdrawal_id IS NOT NULL$$, 'TR006', NULL,
                 'a superuser with session_replication_role = replica cannot delete ledger entries again');
RESET session_replication_role;

-- Run again: nothing to do, and it says so.
SELECT results_eq($$SELECT detail FROM txrelay.after_restore() WHERE step IN ('identity', 'triggers') ORDER BY step$$,
                  $$VALUES ('every identity counter is past its table''s largest id'), ('every trigger is ENABLE ALWAYS')$$,
                  'a second run moves and arms nothing');

-- The checkpoint against the archive.
SELECT is((SELECT ok FROM txrelay.after_restore(:cp_version, '0x' || encode(:'cp_hash'::bytea, 'hex')) WHERE step = 'checkpoint'), true,
          'the restored checkpoint equal to the archived hash: ok');
SELECT ok((SELECT NOT ok AND detail LIKE '%differs from the archive%' FROM txrelay.after_restore(:cp_version, '0x' || repeat('ab', 32)) WHERE step = 'checkpoint'),
          'another hash: not ok, saying the restored ledger is not the one checkpointed');
SELECT ok((SELECT NOT ok AND detail LIKE '%is not in the restored database%' FROM txrelay.after_restore(:cp_version + 100, '0x' || repeat('00', 32)) WHERE step = 'checkpoint'),
          'a checkpoint newer than the restore: not ok, saying which one to compare');

SELECT throws_ok($$SELECT * FROM txrelay.after_restore(1, '0xabc')$$, '22023', NULL, 'an archived hash that is not 0x + 64 hex digits is refused');
SELECT throws_ok($$SELECT * FROM txrelay.after_restore(1, repeat('a', 100000000))$$, '22023', NULL, 'and a 100 MB one too, before it is read');

-- A damaged ledger is reported, not repaired.
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ALL;
UPDATE txrelay.ledger_entries SET amount = amount + 1 WHERE entry_id = (SELECT max(entry_id) FROM txrelay.ledger_entries WHERE kind = 'RESERVE');
ALTER TABLE txrelay.ledger_entries ENABLE TRIGGER ALL;  -- (after_restore() sets them back to ALWAYS)
SELECT ok((SELECT NOT ok AND detail LIKE 'verify_ledger(true) finds %' FROM txrelay.after_restore() WHERE step = 'ledger'),
          'an entry edited behind the triggers: the ledger step is not ok and names the problem');

-- Who may run it.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'SELECT count(*) FROM txrelay.after_restore()')$$,
                'the operator runs it');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT count(*) FROM txrelay.after_restore()')$$,
                 '42501', NULL, 'an application login does not');

SELECT * FROM finish();
ROLLBACK;
