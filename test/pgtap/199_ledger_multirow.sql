-- The ledger trigger under multi-row statements (issue 23): the tracker settles a round's
-- inclusions with one INSERT of their COMMIT entries, and anyone may insert several entries in one
-- statement. Each entry must still be checked against the totals the entries before it in the
-- same statement left, and chained to the one before it; a statement with one bad entry writes
-- none.
BEGIN;
SELECT plan(8);
SELECT txrelay_test.fixture(199);
CREATE FUNCTION pg_temp.req(key text, account text, amount numeric) RETURNS uuid LANGUAGE sql AS $$
  SELECT (txrelay.request_withdrawal(key, account, 199, 'ETH', txrelay_test.dev(3), amount)).withdrawal_id $$;
SELECT pg_temp.req('lm199-1', 'alice', 100), pg_temp.req('lm199-2', 'alice', 200), pg_temp.req('lm199-3', 'alice', 300);
CREATE TEMP TABLE before AS SELECT reserved, spent, entry_count FROM txrelay.ledger_accounts
  WHERE account = 'alice' AND chain_id = 199 AND asset = 'ETH';

-- Three COMMITs in one statement, as PostWithdrawalEntries writes them.
INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
SELECT 'COMMIT', w.account, w.chain_id, w.asset, w.amount, 7, w.withdrawal_id
  FROM unnest(ARRAY['lm199-1', 'lm199-2', 'lm199-3']) WITH ORDINALITY k (key, n) JOIN txrelay.withdrawals w ON w.idempotency_key = k.key
 ORDER BY k.n;
SELECT results_eq($$SELECT l.account_seq - b.entry_count FROM txrelay.ledger_entries l, before b
                    WHERE l.kind = 'COMMIT' AND l.chain_id = 199 ORDER BY l.entry_id$$,
                  $$VALUES (1::bigint), (2), (3)$$, 'three entries of one statement take the account''s next three positions, in order');
SELECT is_empty($$SELECT 1 FROM txrelay.ledger_entries l JOIN txrelay.ledger_entries p
                    ON p.account = l.account AND p.chain_id = l.chain_id AND p.asset = l.asset AND p.account_seq = l.account_seq - 1
                   WHERE l.chain_id = 199 AND l.prev_hash IS DISTINCT FROM p.hash$$,
                'each is chained to the entry before it, the statement''s own earlier ones included');
SELECT is((SELECT (a.reserved, a.spent)::text FROM txrelay.ledger_accounts a WHERE account = 'alice' AND chain_id = 199 AND asset = 'ETH'),
          (SELECT (b.reserved - 600, b.spent + 600)::text FROM before b),
          'the totals moved by all three: 600 from reserved to spent');
-- (Without its status cross-check: these withdrawals were committed by hand, not paid.)
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger() WHERE problem <> 'ledger resolution disagrees with withdrawal status'$$,
                'verify_ledger finds the chain and the totals whole');

-- bob has 5000: two RESERVE-sized withdrawals of 3000 cannot both be reserved, even in one statement.
SELECT txrelay_test.snapshot() AS snap \gset
SELECT throws_ok($$SELECT pg_temp.req('lm199-b' || g, 'bob', 3000) FROM generate_series(1, 2) g$$, 'TR002', NULL,
                 'two requests in one statement: the second sees the first''s reservation and is refused');
SELECT is(txrelay_test.snapshot(), :'snap', 'and the statement wrote nothing');
-- One bad entry refuses the statement: a COMMIT of m-1 again beside a first COMMIT of a new one.
SELECT pg_temp.req('lm199-4', 'alice', 400);
SELECT txrelay_test.snapshot() AS snap \gset
SELECT throws_ok($$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
                   SELECT 'COMMIT', w.account, w.chain_id, w.asset, w.amount, 0, w.withdrawal_id
                     FROM unnest(ARRAY['lm199-4', 'lm199-1']) WITH ORDINALITY k (key, n) JOIN txrelay.withdrawals w ON w.idempotency_key = k.key
                    ORDER BY k.n$$, '23505', NULL, 'a second COMMIT of one reservation refuses the whole statement');
SELECT is(txrelay_test.snapshot(), :'snap', 'with nothing written, the good entry before it included');
SELECT * FROM finish();
ROLLBACK;
