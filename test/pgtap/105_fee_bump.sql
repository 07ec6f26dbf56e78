-- Fee-bump signature requests (DESIGN §5): a new attempt at the same nonce whose fee fields are
-- both at least the request's floor (the replaced attempt's + 10 % + 1 wei), accepted while the
-- withdrawal waits for a block (signed, broadcasted, reorged), without a status change; refused
-- once an attempt at that nonce is in a block. Transactions by cast (test/vectors/generate.sh):
-- good_type2 is 2 gwei / 1 gwei at nonce 0; bump_type2 is 2200000001 / 1100000001.
BEGIN;
SELECT plan(17);

SELECT txrelay.add_chain(31337, 'anvil');
SELECT txrelay.add_sender(31337, txrelay_test.dev(0), NULL, 0);
SELECT txrelay.set_risk_tier('standard', 0, 'finalized');
SELECT txrelay.credit('alice', 31337, 'ETH', 1000000, 'fb-eth');
SELECT (txrelay.request_withdrawal('fb-a', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id AS w \gset
SELECT txrelay.approve(:'w', gen_random_uuid(), 'fb-pd', 'carol');
CREATE FUNCTION pg_temp.raw(n text) RETURNS bytea LANGUAGE sql AS $$ SELECT raw FROM txrelay_test.signed WHERE name = n $$;
SELECT (txrelay.submit_signed((SELECT signature_request_id FROM txrelay.signature_requests WHERE withdrawal_id = :'w'),
                              pg_temp.raw('good_type2'))).attempt_id AS first \gset
-- What the tracker writes for a stuck attempt.
CREATE FUNCTION pg_temp.bump_request(fee numeric, tip numeric) RETURNS uuid LANGUAGE sql AS $$
  INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data,
                                          replaces_attempt_id, min_max_fee_per_gas, min_max_priority_fee_per_gas)
  SELECT s.withdrawal_id, 'fee_bump', s.chain_id, s.from_address, s.nonce, s.to_address, s.value, s.data, a.attempt_id, fee, tip
    FROM txrelay.signature_requests s JOIN txrelay.attempts a USING (signature_request_id)
   WHERE a.attempt_id = (SELECT attempt_id FROM txrelay.attempts ORDER BY created_at LIMIT 1)
  RETURNING signature_request_id $$;
SELECT pg_temp.bump_request(2200000001, 1100000001) AS bump \gset
SELECT results_eq(format($$SELECT kind, nonce, min_max_fee_per_gas, min_max_priority_fee_per_gas
                            FROM txrelay.pending_signature_requests(31337) WHERE signature_request_id = %L$$, :'bump'),
                  $$VALUES ('fee_bump', 0::bigint, 2200000001::numeric, 1100000001::numeric)$$,
                  'a client-signed sender sees the bump with its nonce and both fee floors');

SELECT throws_ok($$INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data)
                   SELECT withdrawal_id, 'fee_bump', chain_id, from_address, nonce, to_address, value, data FROM txrelay.signature_requests LIMIT 1$$,
                 '23514', NULL, 'a fee bump without the attempt it replaces and its floor is refused (signature_requests_fee_bump_check)');
SELECT throws_ok($$INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data, min_max_fee_per_gas, min_max_priority_fee_per_gas)
                   SELECT withdrawal_id, 'withdrawal', chain_id, from_address, nonce, to_address, value, data, 1, 1 FROM txrelay.signature_requests LIMIT 1$$,
                 '23514', NULL, 'a withdrawal request carries no fee floor');

SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bump_short_fee'))$$, :'bump'), 'TR004',
                 'signed transaction does not match its request: max_fee_per_gas', 'one wei short of the max fee floor is TR004 max_fee_per_gas');
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bump_short_tip'))$$, :'bump'), 'TR004',
                 'signed transaction does not match its request: max_priority_fee_per_gas', 'one wei short of the tip floor is TR004');
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('good_type2'))$$, :'bump'), 'TR004', NULL,
                 'the stuck transaction itself is not a bump');
SELECT is((SELECT count(*)::int FROM txrelay.attempts), 1, 'refusals record nothing');

SELECT is((txrelay.submit_signed(:'bump', pg_temp.raw('bump_type2'))).max_fee_per_gas::numeric, 2200000001::numeric,
          'exactly the floor on both fields is accepted');
SELECT is((SELECT string_agg(nonce::text, ',') FROM txrelay.attempts), '0,0', 'two attempts share the nonce');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'w'), 'signed', 'the withdrawal keeps its status');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawal_events WHERE withdrawal_id = :'w' AND event = 'fee_bump_signed'), 1,
          'a fee_bump_signed note is in its timeline');
SELECT is((SELECT count(*)::int FROM txrelay.outbox WHERE withdrawal_id = :'w' AND kind = 'broadcast' AND status = 'pending'), 2,
          'the bump is queued for broadcast');
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bump_short_fee'))$$, :'bump'), 'TR007', NULL,
                 'a bump request is signed once');

-- In a block: no more bumps.
SELECT pg_temp.bump_request(2420000002, 1210000002) AS bump2 \gset
UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE withdrawal_id = :'w';
UPDATE txrelay.attempts SET status = 'included', block_number = 7, block_hash = sha256('b7'), receipt_status = 1, gas_used = 21000,
       effective_gas_price = 1500000000, included_at = now() WHERE attempt_id = :'first';
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bump_type2'))$$, :'bump2'), 'TR003', NULL,
                 'a bump for a nonce already in a block is refused (TR003)');
UPDATE txrelay.attempts SET status = 'sent', block_number = NULL, block_hash = NULL, receipt_status = NULL, gas_used = NULL,
       effective_gas_price = NULL, included_at = NULL WHERE attempt_id = :'first';
UPDATE txrelay.withdrawals SET status = 'included' WHERE withdrawal_id = :'w';
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bump_type2'))$$, :'bump2'), 'TR003',
                 NULL, 'and so is one for an included withdrawal');
SELECT is((SELECT count(*)::int FROM txrelay.attempts), 2, 'nothing recorded by the refusals');
SELECT is((SELECT status FROM txrelay.signature_requests WHERE signature_request_id = :'bump2'), 'pending', 'the request stays as it was');

SELECT * FROM finish();
ROLLBACK;
