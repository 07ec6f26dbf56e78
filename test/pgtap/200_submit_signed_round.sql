-- The broadcaster's round of signed transactions (issue 23): txrelay._submit_signed_round records
-- a round as submit_signed records each transaction, one statement per table, all or nothing.
-- The fixture is 100_submit_signed.sql's (client-signed sender 0xf39F...2266 on chain 31337,
-- withdrawals a to e at nonces 0 to 4; e is cancelled, so its payment is only recorded and its
-- gap filler must outbid that payment).
BEGIN;
SELECT plan(24);

CREATE TEMP TABLE w AS SELECT * FROM txrelay_test.client_signed_withdrawals('sr-');
SELECT txrelay.cancel((SELECT id FROM w WHERE name = 'e'), 'customer cancelled');
-- The requests by name: a to e their payments, 'gap' e's gap filler.
CREATE TEMP VIEW req AS
  SELECT CASE s.kind WHEN 'gap_filler' THEN 'gap' ELSE w.name END AS name, s.signature_request_id AS id
    FROM w JOIN txrelay.signature_requests s ON s.withdrawal_id = w.id;
CREATE FUNCTION pg_temp.raw(n text) RETURNS bytea LANGUAGE sql AS $$ SELECT raw FROM txrelay_test.signed WHERE name = n $$;
-- A round of (request name, fixture name) pairs, in order.
CREATE FUNCTION pg_temp.round(pairs text[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT txrelay._submit_signed_round(
           ARRAY(SELECT (SELECT id::text FROM req WHERE name = pairs[i]) FROM generate_subscripts(pairs, 1) i WHERE i % 2 = 1 ORDER BY i),
           ARRAY(SELECT encode(pg_temp.raw(pairs[i + 1]), 'hex') FROM generate_subscripts(pairs, 1) i WHERE i % 2 = 1 ORDER BY i)) $$;
-- What a recorded round leaves, with generated ids taken out of the texts.
CREATE TEMP VIEW recorded AS SELECT jsonb_build_object(
  'attempts', (SELECT jsonb_agg(jsonb_build_array(a.signature_request_id, a.withdrawal_id, a.nonce, a.tx_hash, a.raw_tx, a.tx_type,
                                                  a.gas_limit, a.max_fee_per_gas, a.max_priority_fee_per_gas, a.status)
                                ORDER BY a.signature_request_id)
                 FROM txrelay.attempts a WHERE a.withdrawal_id IN (SELECT id FROM w)),
  'requests', (SELECT jsonb_agg(jsonb_build_array(s.signature_request_id, s.status) ORDER BY s.signature_request_id)
                 FROM txrelay.signature_requests s WHERE s.withdrawal_id IN (SELECT id FROM w)),
  'withdrawals', (SELECT jsonb_agg(jsonb_build_array(x.withdrawal_id, x.status,
                                                     regexp_replace(x.status_reason, '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', 'ID', 'g'))
                                   ORDER BY x.withdrawal_id)
                    FROM txrelay.withdrawals x WHERE x.withdrawal_id IN (SELECT id FROM w)),
  'events', (SELECT jsonb_agg(jsonb_build_array(e.withdrawal_id, e.event, e.from_status, e.to_status,
                                                regexp_replace(e.reason, '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', 'ID', 'g'), e.detail)
                              ORDER BY e.withdrawal_id, e.event_id)
               FROM txrelay.withdrawal_events e WHERE e.withdrawal_id IN (SELECT id FROM w)),
  'outbox', (SELECT jsonb_agg(jsonb_build_array(o.kind, o.chain_id, o.withdrawal_id, o.signature_request_id, o.status,
                                                a.signature_request_id)
                              ORDER BY o.kind, o.signature_request_id)
               FROM txrelay.outbox o LEFT JOIN txrelay.attempts a USING (attempt_id) WHERE o.withdrawal_id IN (SELECT id FROM w))
) AS j;
SELECT j AS before FROM recorded \gset

-- Nobody may call it but the broadcaster (the extension's owner).
SELECT is_empty($$SELECT r FROM unnest('{txrelay_app,txrelay_approver,txrelay_operator,txrelay_auditor,txrelay_depositor}'::text[]) r
                   WHERE has_function_privilege(r, 'txrelay._submit_signed_round(text[],text[])', 'EXECUTE')$$,
                'no role may call _submit_signed_round');

-- Every refusal refuses the whole round and writes nothing.
SELECT throws_ok($$SELECT pg_temp.round('{a,good_type2,b,good_type1}')$$, 'TR004',
                 'signed transaction does not match its request: nonce', 'one transaction at the wrong nonce refuses the round');
SELECT throws_ok($$SELECT pg_temp.round('{b,good_legacy,a,bad_value}')$$, 'TR004',
                 'signed transaction does not match its request: value', 'one raised value refuses the round');
SELECT throws_ok($$SELECT pg_temp.round('{a,good_type2,b,bad_unprotected}')$$, 'TR005', NULL,
                 'bytes that are no valid transaction refuse the round');
SELECT throws_ok($$SELECT pg_temp.round('{a,good_type2,a,good_type2}')$$, '22023',
                 'signature_request_ids names a request twice', 'a request named twice refuses the round');
SELECT throws_ok($$SELECT pg_temp.round('{e,payment_nonce4,gap,gap_filler_nonce4_outbid}')$$, '22023',
                 'the round holds two signature requests of withdrawal ' || (SELECT id FROM w WHERE name = 'e'),
                 'two requests of one withdrawal refuse the round');
SELECT throws_ok(format($$SELECT txrelay._submit_signed_round(ARRAY[%L, %L], ARRAY[encode(pg_temp.raw('good_type2'), 'hex'),
                          encode(pg_temp.raw('good_legacy'), 'hex')])$$, (SELECT id FROM req WHERE name = 'a'), gen_random_uuid()),
                 '22023', 'signature_request_id does not name a signature request', 'an unknown request refuses the round');
SELECT throws_ok(format($$SELECT txrelay._submit_signed_round(ARRAY[%L], ARRAY['zz'])$$, (SELECT id FROM req WHERE name = 'a')),
                 '22023', NULL, 'bytes that are not hex refuse the round');
SELECT throws_ok($$SELECT txrelay._submit_signed_round(ARRAY['not-a-uuid'], ARRAY['00'])$$, '22P02', NULL,
                 'an id that is not a uuid refuses the round');
SELECT throws_ok(format($$SELECT txrelay._submit_signed_round(ARRAY[%L], ARRAY[repeat('00', 131073)])$$, (SELECT id FROM req WHERE name = 'a')),
                 '22023', NULL, 'bytes above 128 KiB refuse the round');
SELECT throws_ok($$SELECT pg_temp.round('{a,good_type2,e,gap_filler_nonce4}')$$, 'TR004', NULL,
                 'a cancelling withdrawal''s own request takes nothing but its payment, in a round as alone');
SELECT is((SELECT j FROM recorded), :'before'::jsonb, 'the refused rounds wrote nothing');

-- What submit_signed records, one transaction at a time (undone afterwards) ...
SAVEPOINT single;
SELECT txrelay.submit_signed(id, pg_temp.raw(tx))
  FROM (VALUES (1, 'a', 'good_type2'), (2, 'b', 'good_legacy'), (3, 'c', 'good_type1'), (4, 'd', 'good_erc20'),
               (5, 'e', 'payment_nonce4'), (6, 'gap', 'gap_filler_nonce4_outbid')) v (ord, name, tx)
  JOIN req USING (name) ORDER BY ord;
SELECT j AS single FROM recorded \gset
ROLLBACK TO SAVEPOINT single;
SELECT is((SELECT j FROM recorded), :'before'::jsonb, 'the one-at-a-time run is undone');

-- ... the rounds record the same: attempts, requests, moves, notes, events and send jobs.
SELECT pg_temp.round('{a,good_type2,b,good_legacy,c,good_type1,d,good_erc20,e,payment_nonce4}') AS first \gset
SELECT is(array_length(:'first'::text[], 1), 5, 'the first round returns its five attempts');
SELECT is(:'first'::text[], ARRAY(SELECT a.attempt_id::text FROM unnest('{a,b,c,d,e}'::text[]) WITH ORDINALITY n (name, i)
                                   JOIN req USING (name) JOIN txrelay.attempts a ON a.signature_request_id = req.id ORDER BY n.i),
          'in the order of its requests');
SELECT pg_temp.round('{gap,gap_filler_nonce4_outbid}') AS second \gset
SELECT is(:'second'::text[], ARRAY(SELECT a.attempt_id::text FROM txrelay.attempts a
                                     WHERE a.signature_request_id = (SELECT id FROM req WHERE name = 'gap')),
          'the second round records the gap filler that outbids e''s payment');
SELECT is((SELECT j->'attempts' FROM recorded), :'single'::jsonb->'attempts', 'the attempts are submit_signed''s');
SELECT is((SELECT j->'requests' FROM recorded), :'single'::jsonb->'requests', 'so are the requests'' statuses');
SELECT is((SELECT j->'withdrawals' FROM recorded), :'single'::jsonb->'withdrawals', 'the withdrawals'' moves and reasons');
SELECT is((SELECT j->'events' FROM recorded), :'single'::jsonb->'events', 'their events and notes');
SELECT is((SELECT j->'outbox' FROM recorded), :'single'::jsonb->'outbox', 'and their send jobs');
SELECT is((SELECT count(*)::int FROM txrelay.outbox o JOIN req ON req.id = o.signature_request_id
            WHERE o.kind = 'broadcast' AND req.name IN ('a', 'b', 'c', 'd', 'gap')), 5,
          'every payment and the gap filler is to be sent; the payment of the cancelled withdrawal is not');
SELECT throws_ok($$SELECT pg_temp.round('{a,good_type2}')$$, 'TR007', NULL,
                 'a request already signed is left to submit_signed (which answers a replay)');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'the ledger is consistent');

SELECT * FROM finish();
ROLLBACK;
