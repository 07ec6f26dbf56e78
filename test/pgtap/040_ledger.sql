-- The ledger (DESIGN §3, §4): idempotent credits, RESERVE at request, one resolution per
-- reservation, never negative, append-only for every role, hash-chained and verifiable.
BEGIN;
SELECT plan(40);
SELECT txrelay_test.fixture();

-- Credits
SELECT txrelay.credit('carol', 31337, 'ETH', 100, 'ref-c1') AS first_credit \gset
SELECT is(txrelay.credit('carol', 31337, 'ETH', 100, 'ref-c1'), :first_credit::bigint,
          'the same reference and credit returns the first entry');
SELECT throws_ok($$SELECT txrelay.credit('carol', 31337, 'ETH', 101, 'ref-c1')$$, 'TR007', NULL,
                 'the same reference with another amount is refused');
SELECT throws_ok($$SELECT txrelay.credit('dave', 31337, 'ETH', 100, 'ref-c1')$$, 'TR007', NULL,
                 'the same reference for another account is refused');
SELECT throws_ok($$SELECT txrelay.credit('carol', 31337, 'USDC', 100, 'ref-c1')$$, 'TR007', NULL,
                 'the same reference for another asset is refused');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE reference = 'ref-c1'), 1, 'one entry per reference');
SELECT results_eq($$SELECT * FROM txrelay.balance('carol', 31337, 'ETH')$$, $$VALUES (100::numeric, 0::numeric, 0::numeric)$$,
                  'balance after a credit');
SELECT results_eq($$SELECT * FROM txrelay.balance('nobody', 31337, 'ETH')$$, $$VALUES (0::numeric, 0::numeric, 0::numeric)$$,
                  'an account without entries has zero balance');

-- RESERVE at request; never more than available
SELECT throws_ok($$SELECT txrelay.request_withdrawal('l-over', 'carol', 31337, 'ETH', txrelay_test.dev(2), 101)$$,
                 'TR002', NULL, 'a request above the available balance is refused');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key = 'l-over'), 0,
          'and leaves no withdrawal behind');
SELECT lives_ok($$SELECT txrelay.request_withdrawal('l-all', 'carol', 31337, 'ETH', txrelay_test.dev(2), 100)$$,
                'the whole available balance can be withdrawn');
SELECT results_eq($$SELECT * FROM txrelay.balance('carol', 31337, 'ETH')$$, $$VALUES (0::numeric, 100::numeric, 0::numeric)$$,
                  'the amount is reserved');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('l-more', 'carol', 31337, 'ETH', txrelay_test.dev(2), 1)$$,
                 'TR002', NULL, 'nothing is left');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('l-usdc', 'carol', 31337, 'USDC', txrelay_test.dev(2), 1)$$,
                 'TR002', NULL, 'balances are per asset');

-- Direct inserts by the owner still obey the ledger rules (the trigger, not the API, enforces them).
SAVEPOINT direct;
SELECT withdrawal_id AS wid FROM txrelay.withdrawals WHERE idempotency_key = 'l-all' \gset
SELECT throws_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                          VALUES ('RESERVE', 'carol', 31337, 'ETH', 1, %L, '\x00')$$, :'wid'),
                 'TR002', NULL, 'a direct RESERVE beyond the available balance is refused');
SELECT throws_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                          VALUES ('COMMIT', 'carol', 31337, 'ETH', 99, %L, '\x00')$$, :'wid'),
                 '23514', NULL, 'a COMMIT for another amount than the RESERVE is refused');
SELECT throws_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                          VALUES ('RELEASE', 'alice', 31337, 'ETH', 100, %L, '\x00')$$, :'wid'),
                 '23514', NULL, 'a RELEASE on another account than the RESERVE is refused');
SELECT (txrelay.request_withdrawal('l-bob', 'bob', 31337, 'ETH', txrelay_test.dev(2), 10)).withdrawal_id AS bob_wid \gset
SELECT throws_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                          VALUES ('RESERVE', 'bob', 31337, 'ETH', 10, %L, '\x00')$$, :'bob_wid'),
                 '23505', NULL, 'a second RESERVE for one withdrawal is refused');
SELECT lives_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                         VALUES ('RELEASE', 'bob', 31337, 'ETH', 10, %L, '\x00')$$, :'bob_wid'),
                'the first resolution of a RESERVE is accepted');
SELECT throws_ok(format($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id, hash)
                          VALUES ('COMMIT', 'bob', 31337, 'ETH', 10, %L, '\x00')$$, :'bob_wid'),
                 '23505', NULL, 'a RESERVE resolves at most once (RELEASE then COMMIT)');
SELECT throws_ok($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, hash)
                   VALUES ('RELEASE', 'bob', 31337, 'ETH', 10, '\x00')$$, '23514', NULL,
                 'a RELEASE without a withdrawal is refused');
SELECT throws_ok($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference, hash)
                   VALUES ('CREDIT', 'bob', 31337, 'ETH', 0, 'zero', '\x00')$$, '22003', NULL, 'a zero credit is refused');
SELECT throws_ok($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference, hash)
                   VALUES ('CREDIT', 'bob', 31337, 'ETH', 115792089237316195423570985008687907853269984665640564039457584007913129639936, 'big', '\x00')$$,
                 '23514', NULL, 'an amount of 2^256 is refused');
SELECT throws_ok($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference, hash)
                   VALUES ('DEBIT', 'bob', 31337, 'ETH', 1, 'debit', '\x00')$$, '23514', NULL, 'unknown entry kinds are refused');
ROLLBACK TO SAVEPOINT direct;

-- Append-only for every role, the superuser included, even with triggers in replica mode.
SELECT throws_ok($$UPDATE txrelay.ledger_entries SET amount = amount + 1$$, 'TR006', NULL, 'UPDATE of ledger entries is refused');
SELECT throws_ok($$DELETE FROM txrelay.ledger_entries$$, 'TR006', NULL, 'DELETE of ledger entries is refused');
SELECT throws_ok($$TRUNCATE txrelay.ledger_entries$$, 'TR006', NULL, 'TRUNCATE of ledger entries is refused');
SELECT throws_ok($$UPDATE txrelay.withdrawal_events SET reason = 'rewritten'$$, 'TR006', NULL, 'UPDATE of events is refused');
SELECT throws_ok($$DELETE FROM txrelay.withdrawal_events$$, 'TR006', NULL, 'DELETE of events is refused');
SELECT throws_ok($$TRUNCATE txrelay.withdrawal_events$$, 'TR006', NULL, 'TRUNCATE of events is refused');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$UPDATE txrelay.ledger_entries SET amount = amount + 1$$, 'TR006', NULL,
                 'session_replication_role = replica does not switch the rule off');
RESET session_replication_role;
SELECT throws_ok($$UPDATE txrelay.ledger_accounts SET credited = credited + 1000000$$, 'TR006', NULL,
                 'account totals cannot be edited by hand');
SELECT throws_ok($$INSERT INTO txrelay.ledger_accounts (account, chain_id, asset, credited) VALUES ('eve', 31337, 'ETH', 1000)$$,
                 'TR006', NULL, 'nor invented');
SELECT throws_ok($$TRUNCATE txrelay.ledger_accounts CASCADE$$, 'TR006', NULL, 'nor truncated');

-- The hash chain
SELECT is_empty($$SELECT e.entry_id FROM txrelay.ledger_entries e
                   WHERE e.prev_hash IS DISTINCT FROM (SELECT p.hash FROM txrelay.ledger_entries p
                     WHERE (p.account, p.chain_id, p.asset) = (e.account, e.chain_id, e.asset) AND p.account_seq = e.account_seq - 1)$$,
                'every entry links to the previous entry of its account');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE octet_length(hash) = 32), (SELECT count(*)::int FROM txrelay.ledger_entries),
          'every entry has its hash');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'verify_ledger finds nothing wrong');

-- verify_ledger sees what a superuser who disables the triggers does.
SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
UPDATE txrelay.ledger_entries SET amount = 1000 WHERE reference = 'ref-c1';
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$,
              ARRAY['account totals differ from ledger entries', 'entry hash does not match its contents'],
              'an edited amount breaks its hash and the totals');
ROLLBACK TO SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
UPDATE txrelay.ledger_entries SET prev_hash = NULL, hash = txrelay._ledger_entry_hash(NULL, entry_id, account_seq, kind, account, chain_id, asset, amount, fee, withdrawal_id, reference, created_at)
 WHERE withdrawal_id = :'wid' AND kind = 'RESERVE';
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$,
              ARRAY['entry does not link to the previous entry of its account', 'account head hash differs from its last entry'],
              'a re-hashed entry cut out of its chain is found');
ROLLBACK TO SAVEPOINT tamper;
ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
DELETE FROM txrelay.ledger_entries WHERE withdrawal_id = :'wid' AND kind = 'RESERVE';
SELECT set_eq($$SELECT problem FROM txrelay.verify_ledger()$$,
              ARRAY['account totals differ from ledger entries', 'account head hash differs from its last entry',
                    'withdrawal without exactly one RESERVE'],
              'a deleted entry is found');
ROLLBACK TO SAVEPOINT tamper;
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'and the untouched ledger verifies again');

SELECT * FROM finish();
ROLLBACK;
