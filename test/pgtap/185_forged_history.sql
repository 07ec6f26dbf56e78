-- A superuser forging history past the foreign keys (issue 17, part 3). With
-- session_replication_role = replica the foreign keys do not fire (the ALWAYS triggers still
-- do): a RESERVE for a withdrawal that does not exist, an orphan approval and an orphan nonce
-- reservation went in, verify_ledger() and verify_ledger(true) returned nothing and
-- take_ledger_checkpoint() vouched for them. Every foreign key is now checked over its table.
BEGIN;
SELECT plan(9);
SELECT txrelay_test.fixture();
SELECT txrelay.take_ledger_checkpoint();
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger(true)$$, 'a consistent database: nothing found');

SET LOCAL session_replication_role = replica;
INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id)
  VALUES ('RESERVE', 'alice', 31337, 'ETH', 1000, '00000000-0000-0000-0000-00000000dead');
SET LOCAL session_replication_role = origin;
SELECT is((SELECT details ->> 'table' || '/' || (details ->> 'rows') FROM txrelay.verify_ledger() WHERE problem = 'row without its parent'),
          'txrelay.ledger_entries/1', 'verify_ledger() names the orphan RESERVE''s table');
SELECT is((SELECT details -> 'keys' -> 0 ->> 'f1' FROM txrelay.verify_ledger(true)
            WHERE problem = 'row without its parent' AND details ->> 'table' = 'txrelay.ledger_entries'),
          '00000000-0000-0000-0000-00000000dead', 'verify_ledger(true) names the missing withdrawal');
SELECT throws_ok($$SELECT txrelay.take_ledger_checkpoint()$$, 'TR010', NULL, 'no checkpoint vouches for it');

SET LOCAL session_replication_role = replica;
INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by)
  VALUES (gen_random_uuid(), '00000000-0000-0000-0000-00000000beef', 'forged-pd', 'approved', 'nobody');
INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
  VALUES (31337, txrelay_test.dev(0), 9999, '00000000-0000-0000-0000-00000000beef');
INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
  VALUES (1, '0x0000000000000000000000000000000000000001', 0, '00000000-0000-0000-0000-0000000f00d0');
SET LOCAL session_replication_role = origin;
SELECT is((SELECT count(*)::int FROM txrelay.verify_ledger() WHERE problem = 'row without its parent'
              AND details ->> 'table' = 'txrelay.approvals'), 1, 'an orphan approval is found');
SELECT is((SELECT string_agg(details ->> 'constraint' || ':' || (details ->> 'rows'), ',' ORDER BY details ->> 'constraint')
             FROM txrelay.verify_ledger() WHERE problem = 'row without its parent' AND details ->> 'table' = 'txrelay.nonce_reservations'),
          'nonce_reservations_sender_fkey:1,nonce_reservations_withdrawal_id_fkey:2',
          'orphan nonce reservations are found, for each missing parent (withdrawal, sender)');
SELECT throws_ok($$SELECT txrelay.take_ledger_checkpoint()$$, 'TR010', NULL, 'and checkpoints still refuse');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_checkpoints), 1, 'no checkpoint was taken over them');
SELECT ok((SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'txrelay'::regnamespace) >= 20,
          'every foreign key of the schema is checked (read from the catalog)');

SELECT * FROM finish();
ROLLBACK;
