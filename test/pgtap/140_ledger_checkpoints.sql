-- Ledger checkpoints, the "state versions" (DESIGN §8, decision 51): numbered, hash-chained
-- snapshots of the changed accounts; verify_ledger() starts from the newest and, with
-- full_history, checks every checkpoint against the entries; a checkpoint is refused over damage.
BEGIN;
SELECT plan(41);
SELECT txrelay_test.fixture();

-- The first checkpoint: every account with entries, no previous hash.
SELECT * FROM txrelay.take_ledger_checkpoint() \gset v1_
SELECT is(:v1_version::bigint, 1::bigint, 'the first checkpoint is version 1');
SELECT ok((SELECT prev_hash IS NULL AND octet_length(hash) = 32 FROM txrelay.ledger_checkpoints WHERE version = 1),
          'it has a 32-byte hash and no previous hash');
SELECT set_eq($$SELECT account, chain_id, asset, credited, reserved, spent, entry_count, last_hash
                 FROM txrelay.ledger_checkpoint_accounts WHERE version = 1$$,
              $$SELECT account, chain_id, asset, credited, reserved, spent, entry_count, last_hash
                 FROM txrelay.ledger_accounts WHERE entry_count > 0$$,
              'it records every account as the ledger has it');
SELECT is(txrelay._ledger_checkpoint_hash_of(1, :'v1_taken_at', NULL,
            ARRAY(SELECT a FROM txrelay.ledger_checkpoint_accounts a WHERE a.version = 1)), :'v1_hash'::bytea,
          'its hash is recomputable from its accounts');

-- The next checkpoint records only what changed, on top of the first.
SELECT (txrelay.request_withdrawal('cp-1', 'bob', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id \gset w1_
SELECT txrelay.credit('carol', 31337, 'ETH', 77, 'cp-carol') AS carol_entry \gset
SELECT * FROM txrelay.take_ledger_checkpoint() \gset v2_
SELECT is(:v2_version::bigint, 2::bigint, 'the next checkpoint is version 2');
SELECT is(:'v2_prev_hash'::bytea, :'v1_hash'::bytea, 'and links to version 1');
SELECT set_eq($$SELECT account FROM txrelay.ledger_checkpoint_accounts WHERE version = 2$$, ARRAY['bob', 'carol'],
              'it records only the accounts that changed (bob reserved, carol credited)');
SELECT results_eq($$SELECT credited::numeric, reserved::numeric, spent::numeric, entry_count FROM txrelay.ledger_checkpoint_accounts
                     WHERE version = 2 AND account = 'bob'$$,
                  $$VALUES (5000::numeric, 1000::numeric, 0::numeric, 2::bigint)$$, 'with its totals and position');
SELECT * FROM txrelay.take_ledger_checkpoint() \gset v3_
SELECT is((SELECT count(*)::int FROM txrelay.ledger_checkpoint_accounts WHERE version = 3), 0,
          'a checkpoint with nothing changed records no account');
SELECT ok(:'v3_hash'::bytea <> :'v2_hash'::bytea AND :'v3_prev_hash'::bytea = :'v2_hash'::bytea,
          'but still extends the chain');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'verify_ledger() from the newest checkpoint finds nothing');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger(true)$$, 'nor does the full-history check');

-- Append-only, for every role.
SELECT throws_ok($$UPDATE txrelay.ledger_checkpoints SET taken_at = now() WHERE version = 1$$, 'TR006', NULL,
                 'a checkpoint cannot be edited');
SELECT throws_ok($$DELETE FROM txrelay.ledger_checkpoint_accounts WHERE version = 1$$, 'TR006', NULL,
                 'nor its accounts deleted');
SELECT throws_ok($$TRUNCATE txrelay.ledger_checkpoints CASCADE$$, 'TR006', NULL, 'nor the table truncated');

-- Who may take and read them.
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT txrelay.take_ledger_checkpoint()')$$, '42501', NULL,
                 'the application cannot take a checkpoint');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'SELECT txrelay.take_ledger_checkpoint()')$$,
                'an operator can');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT count(*) FROM txrelay.ledger_checkpoint_accounts')$$,
                'an auditor can read them');
SELECT throws_ok($$SELECT * FROM txrelay.verify_ledger(NULL)$$, '22023', 'full_history must be true or false',
                 'verify_ledger(NULL) is an error, not an empty (consistent-looking) answer');

-- Damage after the newest checkpoint: found, and no checkpoint is taken over it.
SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
SELECT txrelay.credit('carol', 31337, 'ETH', 5, 'cp-carol-2') AS late_entry \gset
UPDATE txrelay.ledger_entries SET amount = 6 WHERE entry_id = :late_entry;
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$,
              ARRAY['account totals differ from ledger entries', 'entry hash does not match its contents'],
              'an entry edited after the newest checkpoint is found from it');
SELECT (SELECT count(*) FROM txrelay.ledger_checkpoints) AS versions_before \gset
SELECT throws_ok($$SELECT txrelay.take_ledger_checkpoint()$$, 'TR010', NULL, 'a checkpoint over it is refused (TR010)');
SELECT is((SELECT count(*) FROM txrelay.ledger_checkpoints), :versions_before::bigint, 'and nothing was written');
ROLLBACK TO SAVEPOINT tamper;

-- Damage before the newest checkpoint: the full-history check finds it against the checkpoints.
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
UPDATE txrelay.ledger_entries SET amount = 78 WHERE entry_id = :carol_entry;
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger(true)$$,
              ARRAY['account totals differ from ledger entries', 'entry hash does not match its contents',
                    'checkpoint account differs from the ledger entries'],
              'an entry edited before a checkpoint is found by verify_ledger(true), against the checkpoint too');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$,
                'verify_ledger() trusts what a checkpoint vouched for (documented: run full_history daily)');
ROLLBACK TO SAVEPOINT tamper;

-- A checkpoint edited by hand: its hash and the totals built on it give it away.
ALTER TABLE txrelay.ledger_checkpoint_accounts DISABLE TRIGGER ledger_checkpoint_accounts_append_only;
UPDATE txrelay.ledger_checkpoint_accounts SET credited = 6000 WHERE version = 2 AND account = 'bob';
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$,
              ARRAY['account totals differ from ledger entries'],
              'an edited account state in the newest-but-one checkpoint breaks the totals built on it');
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger(true)$$,
              ARRAY['checkpoint hash does not match its accounts', 'checkpoint account differs from the ledger entries'],
              'and the full check names the checkpoint');
ROLLBACK TO SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only;
UPDATE txrelay.ledger_checkpoints SET hash = decode(repeat('ab', 32), 'hex')
 WHERE version = (SELECT max(version) FROM txrelay.ledger_checkpoints);
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$, ARRAY['checkpoint hash does not match its accounts'],
              'a replaced hash of the newest checkpoint is found');
ROLLBACK TO SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only;
UPDATE txrelay.ledger_checkpoints SET hash = decode(repeat('ab', 32), 'hex')
 WHERE version = (SELECT max(version) - 1 FROM txrelay.ledger_checkpoints);
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$, ARRAY['checkpoint is out of sequence or does not link to the one before'],
              'a replaced hash of the one before breaks the newest one''s link');
ROLLBACK TO SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ALL;
DELETE FROM txrelay.ledger_checkpoints WHERE version = 2;
SELECT ok('checkpoint is out of sequence or does not link to the one before' IN (SELECT problem FROM txrelay.verify_ledger(true)),
          'a removed version is found');
ROLLBACK TO SAVEPOINT tamper;

-- A withdrawal changed after the newest checkpoint without its ledger entry: in scope through its
-- event, so the default check finds it.
ALTER TABLE txrelay.withdrawals DISABLE TRIGGER withdrawals_state_machine;
UPDATE txrelay.withdrawals SET status = 'cancelled' WHERE idempotency_key = 'cp-1';
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$, ARRAY['ledger resolution disagrees with withdrawal status'],
              'a status set by hand after the checkpoint, without its RELEASE, is found');
ROLLBACK TO SAVEPOINT tamper;

-- Balances read the maintained totals; the checkpoint plus the entries since must equal them.
SELECT txrelay.cancel(:'w1_withdrawal_id', 'test') IS NOT NULL AS cancelled \gset
SELECT results_eq($$SELECT * FROM txrelay.balance('bob', 31337, 'ETH')$$, $$VALUES (5000::numeric, 0::numeric, 0::numeric)$$,
                  'balance() after the RELEASE');
SELECT results_eq($$SELECT cp.credited - cp.reserved - cp.spent
                            + coalesce((SELECT sum(CASE e.kind WHEN 'CREDIT' THEN e.amount WHEN 'RELEASE' THEN e.amount
                                                               WHEN 'RESERVE' THEN -e.amount ELSE 0 END)
                                          FROM txrelay.ledger_entries e
                                         WHERE e.account = 'bob' AND e.asset = 'ETH' AND e.account_seq > cp.entry_count), 0)
                       FROM txrelay.ledger_checkpoint_accounts cp
                      WHERE cp.account = 'bob' AND cp.asset = 'ETH' ORDER BY cp.version DESC LIMIT 1$$,
                  $$SELECT available FROM txrelay.balance('bob', 31337, 'ETH')$$,
                  'the newest checkpoint plus the entries since gives the same available balance');
SELECT * FROM txrelay.take_ledger_checkpoint() \gset v5_
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'and the ledger verifies from the new checkpoint');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger(true)$$, 'and over its whole history');

-- The alerts: a refused checkpoint (the tracker records it) until the next one is taken; no new
-- checkpoint for two intervals (txrelay.ledger_checkpoint_interval, 3600 s by default).
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert LIKE 'ledger_%'$$, 'no ledger alert while checkpoints are fresh');
INSERT INTO txrelay.ledger_checkpoint_refusals (version, message)
VALUES ((SELECT max(version) + 1 FROM txrelay.ledger_checkpoints), 'ledger verification failed: entry hash does not match its contents {} (1 found); checkpoint 6 not taken');
SELECT results_eq($$SELECT severity, what FROM txrelay.alerts WHERE alert = 'ledger_verification_failed'$$,
                  $$VALUES ('critical', 'ledger verification failed: entry hash does not match its contents {} (1 found); checkpoint 6 not taken')$$,
                  'a refused checkpoint raises ledger_verification_failed with what was found');
SAVEPOINT stale;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only;
UPDATE txrelay.ledger_checkpoints SET taken_at = taken_at - interval '3 hours';
SELECT results_eq($$SELECT severity, details ->> 'version' FROM txrelay.alerts WHERE alert = 'ledger_checkpoint_stale'$$,
                  $$SELECT 'warning', max(version)::text FROM txrelay.ledger_checkpoints$$,
                  'a newest checkpoint older than two intervals raises ledger_checkpoint_stale');
ROLLBACK TO SAVEPOINT stale;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only;
ALTER TABLE txrelay.ledger_checkpoint_accounts DISABLE TRIGGER ALL;
ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ALL;
DELETE FROM txrelay.ledger_checkpoint_accounts;
DELETE FROM txrelay.ledger_checkpoints;
SELECT is((SELECT count(*)::int FROM txrelay.alerts WHERE alert = 'ledger_checkpoint_stale'), 0,
          'with no checkpoint at all, no alert while the ledger is younger than two intervals');
ROLLBACK TO SAVEPOINT stale;
SELECT ok(EXISTS (SELECT FROM txrelay.take_ledger_checkpoint()), 'a checkpoint is taken after the repair');
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert LIKE 'ledger_%'$$,
                'and the ledger alerts clear');
SELECT results_eq($$SELECT value FROM txrelay.metrics WHERE metric = 'txrelay_ledger_checkpoint_version'$$,
                  $$SELECT max(version)::float8 FROM txrelay.ledger_checkpoints$$, 'the metrics show the newest version');

SELECT * FROM finish();
ROLLBACK;
