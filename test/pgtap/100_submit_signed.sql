-- Client-signed withdrawals (DESIGN §3): decode_raw_tx, and submit_signed accepting only the exact
-- transaction its signature request fixed. The transactions are made by cast
-- (test/vectors/generate.sh, loaded as txrelay_test.signed): a client-signed sender
-- 0xf39F...2266 on chain 31337 whose withdrawals get nonces 0, 1, 2 (1000 wei to 0x3C44...),
-- 3 (1000000 USDC base units) and 4 (cancelled: a gap filler).
BEGIN;
SELECT plan(64);

CREATE TEMP TABLE w AS SELECT * FROM txrelay_test.client_signed_withdrawals('ss-');
CREATE TEMP VIEW req AS SELECT w.name, s.signature_request_id AS id, s.nonce
  FROM w JOIN txrelay.signature_requests s ON s.withdrawal_id = w.id AND s.kind = 'withdrawal';
CREATE FUNCTION pg_temp.raw(n text) RETURNS bytea LANGUAGE sql AS $$ SELECT raw FROM txrelay_test.signed WHERE name = n $$;
CREATE FUNCTION pg_temp.submit(w text, tx text) RETURNS txrelay.attempts LANGUAGE sql AS
  $$ SELECT txrelay.submit_signed((SELECT id FROM req WHERE name = w), pg_temp.raw(tx)) $$;

SELECT results_eq($$SELECT name, nonce FROM req ORDER BY name$$,
                  $$VALUES ('a', 0::bigint), ('b', 1::bigint), ('c', 2::bigint), ('d', 3::bigint), ('e', 4::bigint)$$,
                  'the fixture: nonces 0 to 4 in order');
SELECT is((SELECT count(*)::int FROM txrelay.pending_signature_requests(31337)), 5,
          'pending_signature_requests lists what the client must sign');

-- decode_raw_tx
SELECT is(txrelay.decode_raw_tx(pg_temp.raw('good_type2')) - 'r' - 's' - 'hash',
          jsonb_build_object('type', 2, 'chain_id', 31337, 'replay_protected', true, 'nonce', 0,
                             'to', txrelay_test.dev(2), 'value', '1000', 'data', '0x', 'gas', 21000,
                             'max_fee_per_gas', '2000000000', 'max_priority_fee_per_gas', '1000000000',
                             'access_list', '[]'::jsonb, 'y_parity', (txrelay.decode_raw_tx(pg_temp.raw('good_type2'))->'y_parity'),
                             'sender', txrelay_test.dev(0)),
          'decode_raw_tx shows every field of a type 2 transaction and its sender');
SELECT is(txrelay.decode_raw_tx(pg_temp.raw('good_legacy'))->>'gas_price', '2000000000', 'a legacy transaction has a gas price');
SELECT is((txrelay.decode_raw_tx(pg_temp.raw('good_type1'))->>'type')::int, 1, 'a type 1 transaction');
SELECT is(txrelay.decode_raw_tx(pg_temp.raw('good_erc20'))->'erc20_transfer',
          jsonb_build_object('recipient', txrelay_test.dev(2), 'amount', '1000000'), 'an ERC-20 transfer is decoded');
SELECT is(txrelay.decode_raw_tx(pg_temp.raw('bad_unprotected')) @> '{"replay_protected": false, "chain_id": null}', true,
          'a pre-EIP-155 transaction decodes and says it is not replay-protected');
SELECT is(txrelay.decode_raw_tx(pg_temp.raw('bad_unprotected'))->>'sender', txrelay_test.dev(0), 'with its sender');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx(pg_temp.raw('bad_high_s'))$$, 'TR005', 'raw_tx is not a valid signed transaction',
                 'a high-s signature is not a valid transaction (EIP-2)');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx(substr(pg_temp.raw('good_type2'), 1, length(pg_temp.raw('good_type2')) - 1))$$,
                 'TR005', NULL, 'truncated bytes are refused');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx(pg_temp.raw('good_type2') || '\x00'::bytea)$$, 'TR005', NULL,
                 'trailing bytes are refused');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx('\x'::bytea)$$, 'TR005', NULL, 'empty input is refused');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx('\x03c0'::bytea)$$, 'TR005', NULL, 'blob (type 3) transactions are refused');
SELECT throws_ok($$SELECT txrelay.decode_raw_tx(NULL)$$, '22023', 'raw_tx must not be null', 'NULL is refused');

-- Every single-field mismatch is TR004 naming the field; bad encodings and signatures are TR005.
CREATE TEMP TABLE mismatch (tx text, errcode text, message text);
INSERT INTO mismatch VALUES
  ('bad_chain', 'TR004', 'signed transaction does not match its request: chain_id'),
  ('bad_nonce', 'TR004', 'signed transaction does not match its request: nonce'),
  ('bad_to', 'TR004', 'signed transaction does not match its request: to'),
  ('bad_value', 'TR004', 'signed transaction does not match its request: value'),
  ('bad_data', 'TR004', 'signed transaction does not match its request: data'),
  ('bad_sender', 'TR004', 'signed transaction does not match its request: sender'),
  ('bad_fee_cap', 'TR004', 'signed transaction does not match its request: max_fee_per_gas'),
  ('bad_tip_cap', 'TR004', 'signed transaction does not match its request: max_priority_fee_per_gas'),
  ('bad_gas_limit', 'TR004', 'signed transaction does not match its request: gas_limit'),
  ('bad_intrinsic_gas', 'TR004', 'signed transaction does not match its request: gas_limit'),
  ('bad_zero_fee', 'TR004', 'signed transaction does not match its request: max_fee_per_gas'),
  ('good_legacy', 'TR004', 'signed transaction does not match its request: nonce'),
  ('bad_high_s', 'TR005', 'raw_tx is not a valid signed transaction'),
  ('bad_unprotected', 'TR005', 'raw_tx has no replay protection');
SELECT throws_ok(format('SELECT pg_temp.submit(%L, %L)', 'a', tx), errcode, message, 'request a refuses ' || tx)
  FROM mismatch;
SELECT throws_ok($$SELECT txrelay.submit_signed((SELECT id FROM req WHERE name = 'a'),
                   substr(pg_temp.raw('good_type2'), 1, 40))$$, 'TR005', NULL, 'request a refuses truncated bytes');
SELECT throws_ok($$SELECT txrelay.submit_signed((SELECT id FROM req WHERE name = 'a'),
                   pg_temp.raw('good_type2') || '\xdeadbeef'::bytea)$$, 'TR005', NULL, 'request a refuses trailing garbage');
SELECT throws_ok($$SELECT pg_temp.submit('d', 'bad_erc20_amount')$$, 'TR004',
                 'signed transaction does not match its request: data', 'an ERC-20 transfer of another amount is refused');
SELECT throws_ok($$SELECT pg_temp.submit('d', 'bad_erc20_recipient')$$, 'TR004',
                 'signed transaction does not match its request: data', 'an ERC-20 transfer to another recipient is refused');
SELECT throws_ok($$SELECT pg_temp.submit('d', 'good_type2')$$, 'TR004', 'signed transaction does not match its request: nonce',
                 'a native payment for an ERC-20 request is refused');
SELECT is((SELECT count(*)::int FROM txrelay.attempts), 0, 'refusals record no attempt');
SELECT is((SELECT count(*)::int FROM txrelay.outbox WHERE kind = 'broadcast'), 0, 'and queue nothing');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')), 'approved',
          'and leave the withdrawal approved');

-- Accepted: the attempt is recorded with its bytes and hash before any send.
SELECT pg_temp.submit('a', 'good_type2') AS att \gset
SELECT is((SELECT status FROM txrelay.attempts), 'created', 'submit_signed records an attempt');
SELECT is((SELECT raw_tx FROM txrelay.attempts WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')),
          pg_temp.raw('good_type2'), 'with the exact signed bytes');
SELECT is((SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')),
          txrelay.decode_raw_tx(pg_temp.raw('good_type2'))->>'hash', 'and its hash');
SELECT results_eq($$SELECT tx_type, gas_limit, max_fee_per_gas::numeric, max_priority_fee_per_gas::numeric, nonce, from_address
                      FROM txrelay.attempts WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')$$,
                  format($$VALUES (2::smallint, 21000::bigint, 2000000000::numeric, 1000000000::numeric, 0::bigint, %L)$$, txrelay_test.dev(0)),
                  'and its type, gas, fees, nonce and sender');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')), 'signed',
          'the withdrawal is signed');
SELECT is((SELECT status FROM txrelay.signature_requests WHERE signature_request_id = (SELECT id FROM req WHERE name = 'a')), 'signed',
          'the signature request is used');
SELECT is((SELECT count(*)::int FROM txrelay.outbox o JOIN txrelay.attempts a USING (attempt_id)
            WHERE o.kind = 'broadcast' AND o.status = 'pending' AND a.withdrawal_id = (SELECT id FROM w WHERE name = 'a')), 1,
          'and the broadcast is queued in the same transaction');
SELECT is((pg_temp.submit('a', 'good_type2')).attempt_id, (SELECT attempt_id FROM txrelay.attempts WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'a')),
          'submitting the same bytes again returns the same attempt');
SELECT is((SELECT count(*)::int FROM txrelay.attempts), 1, 'and records nothing more');
SELECT throws_ok($$SELECT pg_temp.submit('a', 'bad_value')$$, 'TR007', NULL, 'a used signature request refuses other bytes');
SELECT throws_ok($$SELECT pg_temp.submit('a', 'bad_unprotected')$$, 'TR007', NULL, 'whatever they are');

-- The other types and ERC-20
SELECT is((pg_temp.submit('b', 'good_legacy')).tx_type, 0::smallint, 'an EIP-155 legacy transaction is accepted');
SELECT is((pg_temp.submit('c', 'good_type1')).tx_type, 1::smallint, 'a type 1 transaction is accepted');
SELECT is((pg_temp.submit('d', 'good_erc20')).gas_limit, 65000::bigint, 'an ERC-20 transfer is accepted');
SELECT is((SELECT count(*)::int FROM txrelay.pending_signature_requests()), 1, 'one request is left to sign');

-- A cancelling withdrawal: its own request is closed (only the payment itself is recorded, see
-- 175_cancel_race.sql), the gap filler races for its nonce.
SELECT txrelay.cancel((SELECT id FROM w WHERE name = 'e'), 'customer cancelled');
SELECT throws_ok($$SELECT pg_temp.submit('e', 'gap_filler_nonce4')$$, 'TR004', NULL,
                 'the cancelling withdrawal''s own request takes nothing but its payment');
SELECT signature_request_id AS gap FROM txrelay.signature_requests
 WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'e') AND kind = 'gap_filler' \gset
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('bad_to'))$$, :'gap'), 'TR004', NULL,
                 'the gap filler must be a self-transfer');
SELECT is((txrelay.submit_signed(:'gap', pg_temp.raw('gap_filler_nonce4'))).nonce, 4::bigint, 'the gap filler is accepted');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = (SELECT id FROM w WHERE name = 'e')), 'cancelling',
          'its withdrawal stays cancelling until the chain decides');
SELECT is((SELECT count(*)::int FROM txrelay.outbox WHERE kind = 'broadcast' AND withdrawal_id = (SELECT id FROM w WHERE name = 'e')), 1,
          'and the gap filler is queued for broadcast');
SELECT is((SELECT count(*)::int FROM txrelay.pending_signature_requests()), 0, 'nothing is left to sign');

-- Bad arguments
SELECT throws_ok($$SELECT txrelay.submit_signed(gen_random_uuid(), pg_temp.raw('good_type2'))$$, '22023', NULL,
                 'an unknown signature request is 22023');
SELECT throws_ok($$SELECT txrelay.submit_signed(NULL, pg_temp.raw('good_type2'))$$, '22023',
                 'signature_request_id must not be null', 'a NULL request id is 22023');
SELECT throws_ok($$SELECT pg_temp.submit('a', NULL)$$, '22023', 'raw_tx must not be null', 'NULL bytes are 22023');
SELECT throws_ok($$SELECT txrelay.submit_signed((SELECT id FROM req WHERE name = 'a'), '\x02c0'::bytea)$$, 'TR005', NULL,
                 'an empty typed list is TR005');
SELECT throws_ok($$INSERT INTO txrelay.attempts (signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash, raw_tx,
                     tx_type, gas_limit, max_fee_per_gas, max_priority_fee_per_gas)
                   SELECT signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash, raw_tx, tx_type, gas_limit,
                          max_fee_per_gas, max_priority_fee_per_gas FROM txrelay.attempts LIMIT 1$$,
                 '23505', NULL, 'a signature request has one attempt, even for the owner');
SELECT throws_ok($$DELETE FROM txrelay.attempts$$, 'TR006', NULL, 'attempts are never deleted');

SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'the ledger is consistent');
SELECT * FROM finish();
ROLLBACK;
