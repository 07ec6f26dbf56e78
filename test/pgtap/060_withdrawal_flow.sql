-- Request, approve, reject and cancel (DESIGN §4, §4a): idempotency, nonce reservation under the
-- sender lock, single-use decision ids, signature requests and outbox rows, gap fillers.
BEGIN;
SELECT plan(67);
SELECT txrelay_test.fixture();

-- Idempotent intake
SELECT (txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id AS w1 \gset
SELECT is((txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id, :'w1'::uuid,
          'the same key and request returns the first withdrawal');
SELECT is((txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', lower(txrelay_test.dev(2)), 1000.000)).withdrawal_id,
          :'w1'::uuid, 'the same request spelled differently (address case, amount scale) is the same request');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1001)$$, 'TR001', NULL,
                 'the same key with another amount is refused');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(3), 1000)$$, 'TR001', NULL,
                 'the same key with another recipient is refused');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'bob', 31337, 'ETH', txrelay_test.dev(2), 1000)$$, 'TR001', NULL,
                 'the same key for another account is refused');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'USDC', txrelay_test.dev(2), 1000)$$, 'TR001', NULL,
                 'the same key for another asset is refused');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000, 'small')$$, 'TR001', NULL,
                 'the same key with another risk tier is refused');
SELECT throws_ok($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000, 'standard', '{"memo": 1}')$$,
                 'TR001', NULL, 'the same key with other metadata is refused');
SELECT throws_like($$SELECT txrelay.request_withdrawal('f-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000, 'standard', '{"memo": 1}')$$,
                   '%idempotency_key "f-1"%', 'the conflict names the key');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE idempotency_key = 'f-1'), 1, 'one withdrawal per key');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE withdrawal_id = :'w1'), 1, 'replays reserve nothing more');
SELECT throws_ok($$INSERT INTO txrelay.withdrawals (idempotency_key, request_fingerprint, account, chain_id, asset, to_address, amount, risk_tier)
                   VALUES ('f-1', decode(repeat('00', 32), 'hex'), 'alice', 31337, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard')$$,
                 '23505', NULL, 'even the owner cannot insert a second withdrawal with the same key');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'w1'), 'requested', 'a new withdrawal is requested');
SELECT is((SELECT to_address FROM txrelay.withdrawals WHERE withdrawal_id = :'w1'), txrelay_test.dev(2), 'stored checksummed');

-- Approve: nonce reserved gap-free, signature request and outbox row in the same transaction
SELECT gen_random_uuid() AS a1 \gset
SELECT is((txrelay.approve(:'w1', :'a1', 'pd-1', 'carol')).status, 'approved', 'approve moves to approved');
SELECT is((SELECT nonce FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1'), 0::bigint, 'the first nonce is 0');
SELECT is((SELECT nonce_key FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1'),
          '31337:' || (SELECT from_address FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1') || ':0', 'the nonce key');
SELECT results_eq(format($$SELECT kind, to_address, value::numeric, data, status FROM txrelay.signature_requests WHERE withdrawal_id = %L$$, :'w1'),
                  format($$VALUES ('withdrawal', %L, 1000::numeric, '\x'::bytea, 'pending')$$, txrelay_test.dev(2)),
                  'a native withdrawal asks to sign value = amount to the recipient');
SELECT results_eq(format($$SELECT kind, status, signature_request_id FROM txrelay.outbox WHERE withdrawal_id = %L$$, :'w1'),
                  format($$SELECT 'sign', 'pending', signature_request_id FROM txrelay.signature_requests WHERE withdrawal_id = %L$$, :'w1'),
                  'the outbox asks the broadcaster to sign that request');
SELECT is((txrelay.approve(:'w1', :'a1', 'pd-1', 'carol')).status, 'approved', 'an identical approve is a replay');
SELECT is((SELECT count(*)::int FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1'), 1, 'and reserves no second nonce');
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-1b', 'carol')$$, :'w1'), 'TR003', NULL,
                 'a second approval of an approved withdrawal is refused');
SELECT throws_ok(format($$SELECT txrelay.approve(%L, %L, 'pd-1', 'dave')$$, :'w1', :'a1'), 'TR007', NULL,
                 'an approval_id replayed with other fields is refused');

SELECT (txrelay.request_withdrawal('f-2', 'alice', 31337, 'ETH', txrelay_test.dev(2), 2000)).withdrawal_id AS w2 \gset
SELECT throws_ok(format($$SELECT txrelay.approve(%L, %L, 'pd-2', 'carol')$$, :'w2', :'a1'), 'TR007', NULL,
                 'an approval_id is single-use across withdrawals');
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-1', 'carol')$$, :'w2'), 'TR007', NULL,
                 'a policy_decision_id is single-use');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'w2'), 'requested', 'refused approvals change nothing');
SELECT lives_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-2', 'carol')$$, :'w2'), 'a fresh decision approves');
SELECT isnt((SELECT from_address FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w2'),
            (SELECT from_address FROM txrelay.nonce_reservations WHERE withdrawal_id = :'w1'),
            'approvals spread over the senders (least recently used first)');
SELECT (txrelay.request_withdrawal('f-3', 'alice', 31337, 'ETH', txrelay_test.dev(2), 3000)).withdrawal_id AS w3 \gset
SELECT lives_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-3', 'carol')$$, :'w3'), 'a third approval');
SELECT set_eq($$SELECT array_agg(nonce ORDER BY nonce) FROM txrelay.nonce_reservations
                 WHERE chain_id = 31337 GROUP BY from_address$$,
              $$VALUES (ARRAY[0,1]::bigint[]), (ARRAY[0]::bigint[])$$,
              'each sender hands out 0, 1, ... with no gap');
SELECT is_empty($$SELECT s.address FROM txrelay.senders s WHERE s.chain_id = 31337
                   AND s.next_nonce <> (SELECT count(*) FROM txrelay.nonce_reservations r
                                         WHERE r.chain_id = s.chain_id AND r.from_address = s.address)$$,
                'each sender counter is its next free nonce');
SELECT throws_ok(format($$INSERT INTO txrelay.nonce_reservations (chain_id, from_address, nonce, withdrawal_id)
                          VALUES (31337, %L, 0, %L)$$, txrelay_test.dev(0), :'w2'),
                 '23505', NULL, 'a nonce key cannot be given twice, even by the owner');
SELECT throws_ok(format($$UPDATE txrelay.nonce_reservations SET withdrawal_id = %L WHERE withdrawal_id = %L$$, :'w2', :'w1'),
                 'TR006', NULL, 'a nonce reservation is never moved to another withdrawal');
SAVEPOINT rewind;
UPDATE txrelay.senders SET next_nonce = 0 WHERE chain_id = 31337;
SELECT (txrelay.request_withdrawal('f-rewind', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1)).withdrawal_id AS wr \gset
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-rewind', 'carol')$$, :'wr'), '23505', NULL,
                 'a rewound nonce counter cannot make a nonce serve twice');
ROLLBACK TO SAVEPOINT rewind;

-- ERC-20
SELECT (txrelay.request_withdrawal('f-erc20', 'alice', 31337, 'USDC', txrelay_test.dev(2), 1000000)).withdrawal_id AS we \gset
SELECT lives_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-erc20', 'carol')$$, :'we'), 'approve an ERC-20 withdrawal');
SELECT results_eq(format($$SELECT to_address, value::numeric, encode(data, 'hex') FROM txrelay.signature_requests WHERE withdrawal_id = %L$$, :'we'),
                  $$VALUES ('0x5FbDB2315678afecb367f032d93F642f64180aa3', 0::numeric,
                    'a9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc00000000000000000000000000000000000000000000000000000000000f4240')$$,
                  'an ERC-20 withdrawal asks to call transfer(recipient, amount) on the token, value 0');

-- No usable sender: TR008, nothing changed
UPDATE txrelay.senders SET status = 'paused' WHERE chain_id = 31337;
SELECT (txrelay.request_withdrawal('f-4', 'alice', 31337, 'ETH', txrelay_test.dev(2), 10)).withdrawal_id AS w4 \gset
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-4', 'carol')$$, :'w4'), 'TR008', NULL,
                 'paused senders get no nonces');
UPDATE txrelay.senders SET status = 'quarantined' WHERE chain_id = 31337;
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-4', 'carol')$$, :'w4'), 'TR008', NULL,
                 'quarantined senders get no nonces');
UPDATE txrelay.senders SET status = 'active', next_nonce = NULL WHERE chain_id = 31337 AND address = txrelay_test.dev(1);
UPDATE txrelay.senders SET status = 'paused' WHERE chain_id = 31337 AND address = txrelay_test.dev(0);
SELECT throws_like(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-4', 'carol')$$, :'w4'),
                   '%no usable sender on chain 31337%', 'a sender whose nonce is not yet read from the chain is not used');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'w4'), 'requested', 'TR008 leaves the withdrawal requested');
UPDATE txrelay.senders SET status = 'active', next_nonce = 5 WHERE chain_id = 31337;
SELECT lives_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-4', 'carol')$$, :'w4'), 'once resumed, approval works');

-- Client-signed sender: the signature request waits for submit_signed (no outbox row)
SELECT txrelay.add_chain(5, 'client-signed chain');
SELECT txrelay.add_sender(5, txrelay_test.dev(4), NULL, 0);
SELECT txrelay.credit('alice', 5, 'ETH', 100, 'cs-credit');
SELECT (txrelay.request_withdrawal('f-cs', 'alice', 5, 'ETH', txrelay_test.dev(2), 10)).withdrawal_id AS wc \gset
SELECT lives_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-cs', 'carol')$$, :'wc'), 'approve for a client-signed sender');
SELECT is((SELECT count(*)::int FROM txrelay.signature_requests WHERE withdrawal_id = :'wc' AND status = 'pending'), 1,
          'its signature request is pending');
SELECT is((SELECT count(*)::int FROM txrelay.outbox WHERE withdrawal_id = :'wc'), 0, 'and no worker is asked to sign it');

-- Reject
SELECT (txrelay.request_withdrawal('f-5', 'bob', 31337, 'ETH', txrelay_test.dev(2), 5000)).withdrawal_id AS w5 \gset
SELECT gen_random_uuid() AS a5 \gset
SELECT is((txrelay.reject(:'w5', :'a5', 'pd-5', 'carol', 'sanctions hit')).status, 'rejected', 'reject');
SELECT results_eq($$SELECT * FROM txrelay.balance('bob', 31337, 'ETH')$$, $$VALUES (5000::numeric, 0::numeric, 0::numeric)$$,
                  'a rejection releases the reservation');
SELECT is((txrelay.reject(:'w5', :'a5', 'pd-5', 'carol', 'sanctions hit')).status, 'rejected', 'an identical reject is a replay');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE withdrawal_id = :'w5' AND kind = 'RELEASE'), 1, 'released once');
SELECT throws_ok(format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-5b', 'carol')$$, :'w5'), 'TR003', NULL,
                 'a rejected withdrawal cannot be approved');
SELECT throws_ok(format($$SELECT txrelay.reject(%L, gen_random_uuid(), 'pd-1c', 'carol', 'late')$$, :'w1'), 'TR003', NULL,
                 'an approved withdrawal cannot be rejected');

-- Cancel: before approval at once; after it a race on chain (decision 66, 175_cancel_race.sql)
SELECT (txrelay.request_withdrawal('f-6', 'alice', 31337, 'ETH', txrelay_test.dev(2), 600)).withdrawal_id AS w6 \gset
SELECT is((txrelay.cancel(:'w6', 'customer changed their mind')).status, 'cancelled', 'cancel a requested withdrawal');
SELECT is((SELECT count(*)::int FROM txrelay.signature_requests WHERE withdrawal_id = :'w6'), 0, 'without a nonce, no gap filler');
SELECT is((txrelay.cancel(:'w6', 'again')).status, 'cancelled', 'cancelling twice returns the cancelled withdrawal');
SELECT is((SELECT count(*)::int FROM txrelay.ledger_entries WHERE withdrawal_id = :'w6' AND kind = 'RELEASE'), 1, 'and releases once');

SELECT is((txrelay.cancel(:'w2', 'duplicate payout')).status, 'cancelling', 'an approved withdrawal: cancelling, not cancelled');
SELECT is((SELECT string_agg(kind, ',' ORDER BY entry_id) FROM txrelay.ledger_entries WHERE withdrawal_id = :'w2'), 'RESERVE',
          'its amount stays reserved until the chain decides the nonce');
SELECT results_eq(format($$SELECT kind, status, to_address = from_address, value::numeric, data, replaces_attempt_id IS NULL
                             FROM txrelay.signature_requests WHERE withdrawal_id = %L ORDER BY created_at, kind DESC$$, :'w2'),
                  $$VALUES ('withdrawal', 'cancelled', false, 2000::numeric, '\x'::bytea, true),
                           ('gap_filler', 'pending', true, 0::numeric, '\x'::bytea, true)$$,
                  'its nonce is raced by a zero-value self-transfer (nothing signed yet: nothing to outbid)');
SELECT results_eq(format($$SELECT o.kind, o.status, s.kind FROM txrelay.outbox o JOIN txrelay.signature_requests s USING (signature_request_id)
                           WHERE o.withdrawal_id = %L ORDER BY o.outbox_id$$, :'w2'),
                  $$VALUES ('sign', 'cancelled', 'withdrawal'), ('sign', 'pending', 'gap_filler')$$,
                  'the outbox drops the payment and signs the gap filler');
SELECT is((txrelay.cancel(:'w2', 'again')).status, 'cancelling', 'a second cancel returns it unchanged');
SELECT is((SELECT count(*)::int FROM txrelay.signature_requests WHERE withdrawal_id = :'w2' AND kind = 'gap_filler'), 1,
          'with one gap filler');

-- In a block: too late, whatever the role.
UPDATE txrelay.withdrawals SET status = 'signed' WHERE withdrawal_id = :'w1';
UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE withdrawal_id = :'w1';
UPDATE txrelay.withdrawals SET status = 'included' WHERE withdrawal_id = :'w1';
SELECT throws_ok(format($$SELECT txrelay.cancel(%L, 'too late')$$, :'w1'), 'TR003',
                 format('withdrawal %s is included and cannot be cancelled', :'w1'), 'an included withdrawal cannot be cancelled');

-- Auto-approval below the tier's limit
SELECT is((txrelay.request_withdrawal('f-auto', 'alice', 31337, 'ETH', txrelay_test.dev(2), 999, 'small')).status, 'approved',
          'an amount below the tier limit is approved at request');
SELECT is((SELECT decided_by FROM txrelay.approvals a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = 'f-auto'),
          'txrelay:auto:small', 'by the policy, on the record');
SELECT is((txrelay.request_withdrawal('f-auto-2', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000, 'small')).status, 'requested',
          'an amount at the limit waits for a decision');
UPDATE txrelay.senders SET status = 'paused' WHERE chain_id = 31337;
SELECT is((txrelay.request_withdrawal('f-auto-3', 'alice', 31337, 'ETH', txrelay_test.dev(2), 5, 'small')).status, 'requested',
          'with no usable sender an auto-approval is deferred, not lost');
SELECT is((SELECT e.event FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key = 'f-auto-3' ORDER BY event_id DESC LIMIT 1), 'auto_approval_deferred',
          'and its timeline says why');

SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'the ledger is consistent after all of it');

SELECT * FROM finish();
ROLLBACK;
