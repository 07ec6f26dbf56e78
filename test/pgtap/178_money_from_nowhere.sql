-- Money from nowhere (issue 17, part 2). The attacks: the application credited any amount to any
-- account with no proof; the same deposit spelt 0xABCDEF / 0xabcdef was credited twice; the
-- application, which also picks the risk tier, got 300 small withdrawals approved with no
-- approver in 0.2 s; an approver could write a decided_by that reads like txrelay's own.
BEGIN;
SELECT plan(26);
SELECT txrelay_test.fixture();

-- 1. Credits belong to the deposit-detection service's role.
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', $q$SELECT txrelay.credit('mallory', 31337, 'ETH', 1000000000000000000, 'free money')$q$)$$,
                 '42501', NULL, 'the application cannot credit');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app',
  $q$SELECT txrelay.credit_deposit('mallory', 31337, 'ETH', 1000000000000000000, '0x' || repeat('ab', 32), 0)$q$)$$,
                 '42501', NULL, 'nor claim a deposit');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_approver', $q$SELECT txrelay.credit('mallory', 31337, 'ETH', 1, 'x')$q$)$$,
                 '42501', NULL, 'nor can an approver');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_depositor',
  $q$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0x' || repeat('AB', 32), 3)$q$)$$,
                'the depositor credits an on-chain deposit');
SELECT is((SELECT reference FROM txrelay.ledger_entries WHERE account = 'carol'), 'deposit:31337:0x' || repeat('ab', 32) || ':3',
          'its reference is canonical: chain, lower-case hash, log index');
SELECT is(txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0X' || repeat('Ab', 32), 3),
          (SELECT entry_id FROM txrelay.ledger_entries WHERE account = 'carol'),
          'the same deposit in another spelling is the same credit (a replay), not a second one');
SELECT is((SELECT available FROM txrelay.balance('carol', 31337, 'ETH')), 5000::numeric, 'credited once');
SELECT throws_ok($$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 6000, '0x' || repeat('ab', 32), 3)$$, 'TR007', NULL,
                 'the same deposit with another amount is refused');
SELECT is(txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0x' || repeat('ab', 32), 4) >
          (SELECT min(entry_id) FROM txrelay.ledger_entries WHERE account = 'carol'), true,
          'another log index of the same transaction is another deposit');
SELECT throws_ok($$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0x' || repeat('ab', 31), 3)$$, '22023',
                 'tx_hash is not a transaction hash', 'a short hash is refused, naming tx_hash');
SELECT throws_ok($$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 5000, repeat('ab', 33), 3)$$, '22023', NULL,
                 'a hash without 0x is refused');
SELECT throws_ok($$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0x' || repeat('zz', 32), 3)$$, '22023', NULL,
                 'a hash with non-hex digits is refused');
SELECT throws_ok($$SELECT txrelay.credit_deposit('carol', 31337, 'ETH', 5000, '0x' || repeat('ab', 32), -1)$$, '22023', NULL,
                 'a negative log index is refused');
SELECT throws_ok($$SELECT txrelay.credit('carol', 31337, 'ETH', 5000, 'deposit:31337:0x' || repeat('cd', 32) || ':0')$$, '22023',
                 'reference is reserved for on-chain deposits', 'credit cannot forge a deposit''s reference');

-- 2. Auto-approval has a rolling 24-hour limit per account and asset.
SELECT is((SELECT auto_approve_daily_sum::text || '/' || auto_approve_daily_count FROM txrelay.risk_tiers WHERE tier = 'small'),
          '10000/10', 'a tier gets the documented defaults: 10 x its auto-approval limit, 10 a day');
SELECT is((txrelay.set_risk_tier('small', 1000, 'included:1', 2500, 100)).auto_approve_daily_sum, 2500::txrelay.wei,
          'set_risk_tier sets the daily sum');
SELECT is((txrelay.set_risk_tier('small', 1000, 'included:1')).auto_approve_daily_sum, 2500::txrelay.wei,
          'and NULL keeps it');
SELECT is(array_agg(status ORDER BY k), ARRAY['approved', 'approved', 'requested']::text[], 'the third 999 of the day would pass 2500: it waits')
  FROM (SELECT k, (txrelay.request_withdrawal('lim-' || k, 'alice', 31337, 'ETH', txrelay_test.dev(2), 999, 'small')).status
          FROM generate_series(1, 3) k) r;
SELECT is((SELECT reason FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key = 'lim-3' AND e.event = 'auto_approval_limit_reached'),
          'tier small auto-approves at most 2500 a day per account and asset (2 auto-approved for alice in ETH in the last 24 hours, 1998 in all): it waits for an approver',
          'with an event that says why');
SELECT is((txrelay.request_withdrawal('lim-usdc', 'alice', 31337, 'USDC', txrelay_test.dev(2), 999, 'small')).status, 'approved',
          'another asset has its own allowance');
SELECT is((txrelay.request_withdrawal('lim-bob', 'bob', 31337, 'ETH', txrelay_test.dev(2), 999, 'small')).status, 'approved',
          'another account too');
SELECT txrelay.set_risk_tier('small', 1000, 'included:1', 1000000000000000000000000000000, 5);
SELECT is((SELECT count(*)::int FROM (SELECT (txrelay.request_withdrawal('dos-' || k, 'alice', 31337, 'USDC', txrelay_test.dev(2), 1, 'small')).status AS s
                                        FROM generate_series(1, 300) k) r WHERE s = 'approved'), 4,
          'the attack: 300 small requests, 4 more approved (the count of 5 a day), 296 wait for an approver');
SELECT is((SELECT count(*)::int FROM txrelay.approvals WHERE starts_with(decided_by, 'txrelay:auto:')), 8,
          'no auto-approval beyond the limits');

-- 3. Nobody may sign a decision as txrelay.
SELECT (txrelay.request_withdrawal('dec-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 5000)).withdrawal_id AS d1 \gset
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'dec-pd-1', 'txrelay:auto:small')$$, :'d1'), '22023',
                 'decided_by is reserved for txrelay''s own decisions', 'an approver cannot write txrelay:auto:...');
SELECT throws_ok(format($$SELECT txrelay.reject(%L, gen_random_uuid(), 'dec-pd-2', '  TxRelay:policy', 'no')$$, :'d1'), '22023', NULL,
                 'nor any case or leading blank of txrelay:');
SELECT is((txrelay.approve(:'d1', gen_random_uuid(), 'dec-pd-3', 'txrelay-ops carol')).status, 'approved',
          'a name that only resembles it is fine');

SELECT * FROM finish();
ROLLBACK;
