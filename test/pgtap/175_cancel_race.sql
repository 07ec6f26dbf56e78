-- A cancel after approval is a race on chain (decision 66), and a payment mined after its money
-- was released is never silent. The attack (issue 17): a client-signed withdrawal is signed,
-- then cancelled; whoever holds the signed bytes broadcasts them; in 0.1.0 the cancel had
-- released the money at once, so the customer was refunded and paid. Here: the cancel keeps the
-- money reserved in `cancelling`, closes the payment's jobs, and races a gap filler priced to
-- replace the signed payment; the tracker's side (who won) is tested on anvil in
-- test/e2e/cancel_race.sh. Transactions by cast (test/vectors/generate.sh): sender 0xf39F...2266,
-- nonces 4 and 5, 1000 wei to 0x3C44..., at 2 gwei / 1 gwei.
BEGIN;
SELECT plan(30);

SELECT txrelay.add_chain(31337, 'anvil');
SELECT txrelay.add_sender(31337, txrelay_test.dev(0), NULL, 4);
SELECT txrelay.set_risk_tier('standard', 0, 'finalized');
SELECT txrelay.credit('alice', 31337, 'ETH', 1000000, 'cr-eth');
CREATE FUNCTION pg_temp.raw(n text) RETURNS bytea LANGUAGE sql AS $$ SELECT raw FROM txrelay_test.signed WHERE name = n $$;
CREATE FUNCTION pg_temp.request_of(w uuid, k text) RETURNS uuid LANGUAGE sql AS
  $$ SELECT signature_request_id FROM txrelay.signature_requests WHERE withdrawal_id = w AND kind = k $$;
SELECT (txrelay.approve((txrelay.request_withdrawal('cr-x', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id,
                        gen_random_uuid(), 'cr-pd-x', 'carol')).withdrawal_id AS x \gset
SELECT (txrelay.approve((txrelay.request_withdrawal('cr-y', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id,
                        gen_random_uuid(), 'cr-pd-y', 'carol')).withdrawal_id AS y \gset

-- 1. Signed, then cancelled: the money stays reserved, nothing of the payment is sent.
SELECT (txrelay.submit_signed(pg_temp.request_of(:'x', 'withdrawal'), pg_temp.raw('payment_nonce4'))).attempt_id AS x_pay \gset
SELECT is((txrelay.cancel(:'x', 'customer changed their mind')).status, 'cancelling', 'cancel of a signed withdrawal: cancelling');
SELECT is((SELECT string_agg(kind, ',' ORDER BY entry_id) FROM txrelay.ledger_entries WHERE withdrawal_id = :'x'), 'RESERVE',
          'no RELEASE while the signed payment can still be mined');
SELECT is((SELECT reserved FROM txrelay.balance('alice', 31337, 'ETH')), 2000::numeric, 'both amounts still reserved');
SELECT is((SELECT status FROM txrelay.outbox WHERE withdrawal_id = :'x' AND kind = 'broadcast'), 'cancelled',
          'the payment''s send job is withdrawn: txrelay itself never sends it');
SELECT results_eq(format($$SELECT replaces_attempt_id, min_max_fee_per_gas::numeric, min_max_priority_fee_per_gas::numeric, status
                             FROM txrelay.signature_requests WHERE withdrawal_id = %L AND kind = 'gap_filler'$$, :'x'),
                  format($$VALUES (%L::uuid, 2200000001::numeric, 1100000001::numeric, 'pending')$$, :'x_pay'),
                  'the gap filler names the signed payment and must outbid it by 10 %% + 1 wei on both fees');
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('gap_filler_nonce4'))$$, pg_temp.request_of(:'x', 'gap_filler')),
                 'TR004', NULL, 'a gap filler at the payment''s own price is refused (the node would keep the payment)');
SELECT throws_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('gap_filler_nonce4_short'))$$, pg_temp.request_of(:'x', 'gap_filler')),
                 'TR004', NULL, 'one wei short of the floor is refused');
SELECT is((txrelay.submit_signed(pg_temp.request_of(:'x', 'gap_filler'), pg_temp.raw('gap_filler_nonce4_outbid'))).nonce, 4::bigint,
          'a gap filler at the floor is accepted');
SELECT is((SELECT count(*)::int FROM txrelay.outbox o JOIN txrelay.attempts a USING (attempt_id)
            WHERE o.withdrawal_id = :'x' AND o.kind = 'broadcast' AND o.status = 'pending'
              AND a.signature_request_id = pg_temp.request_of(:'x', 'gap_filler')), 1,
          'and queued for broadcast, the only send pending for the withdrawal');
SELECT is((SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = :'x'), 'cancelling', 'still cancelling: the chain decides');
SELECT is((txrelay.cancel(:'x', 'again')).status, 'cancelling', 'a second cancel returns it unchanged');
SELECT is((SELECT count(*)::int FROM txrelay.signature_requests WHERE withdrawal_id = :'x' AND kind = 'gap_filler'), 1,
          'and makes no second gap filler');
SELECT is((txrelay.submit_signed(pg_temp.request_of(:'x', 'withdrawal'), pg_temp.raw('payment_nonce4'))).attempt_id, :'x_pay'::uuid,
          'the payment submitted again is the same attempt (a replay), not a new send');

-- 2. Cancelled before it was signed: the client may still hold bytes it signed. Submitting them
--    records them (the tracker then knows them should they be mined) and sends nothing.
SELECT is((txrelay.cancel(:'y', 'duplicate')).status, 'cancelling', 'cancel of an approved, unsigned withdrawal: cancelling');
SELECT is((SELECT replaces_attempt_id IS NULL AND min_max_fee_per_gas IS NULL FROM txrelay.signature_requests
            WHERE withdrawal_id = :'y' AND kind = 'gap_filler'), true, 'nothing signed yet: the gap filler has nothing to outbid');
SELECT lives_ok(format($$SELECT txrelay.submit_signed(%L, pg_temp.raw('payment_nonce5'))$$, pg_temp.request_of(:'y', 'withdrawal')),
                'the payment signed by the client after the cancel is accepted');
SELECT is((SELECT count(*)::int FROM txrelay.attempts WHERE withdrawal_id = :'y'), 1, 'and recorded as an attempt');
SELECT is((SELECT count(*)::int FROM txrelay.outbox WHERE withdrawal_id = :'y' AND kind = 'broadcast'), 0, 'but never queued for sending');
SELECT is((SELECT w.status || '/' || (SELECT count(*) FROM txrelay.withdrawal_events e
                                         WHERE e.withdrawal_id = w.withdrawal_id AND e.event = 'signed_while_cancelling')
             FROM txrelay.withdrawals w WHERE w.withdrawal_id = :'y'), 'cancelling/1', 'the withdrawal stays cancelling, with a note');

-- 3. The state machine: no way out of cancelling but the chain's three verdicts, and no cancel
--    that releases the money without one.
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET status = 'broadcasted' WHERE withdrawal_id = %L$$, :'x'), 'TR003', NULL,
                 'cancelling -> broadcasted is refused, even to the table''s owner');
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET status = 'approved' WHERE withdrawal_id = %L$$, :'x'), 'TR003', NULL,
                 'cancelling -> approved is refused');
SELECT (txrelay.approve((txrelay.request_withdrawal('cr-z', 'alice', 31337, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id,
                        gen_random_uuid(), 'cr-pd-z', 'carol')).withdrawal_id AS z \gset
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET status = 'cancelled' WHERE withdrawal_id = %L$$, :'z'), 'TR003', NULL,
                 'approved -> cancelled (a release past the race) is refused');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawal_events WHERE withdrawal_id = :'z' AND to_status = 'cancelled'), 0,
          'and leaves no trace');

-- 4. The rule of what pays (txrelay._pays, core's PaysRecipient) on what the API wrote.
SELECT results_eq($$SELECT kind, txrelay._pays(to_address, from_address, value, data) FROM txrelay.signature_requests
                     WHERE withdrawal_id IN (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key IN ('cr-x', 'cr-y'))
                     GROUP BY 1, 2 ORDER BY 1$$,
                  $$VALUES ('gap_filler', false), ('withdrawal', true)$$, 'a payment pays; a gap filler does not');

-- 5. The second line: the payment of a withdrawal whose money was released is mined (an
--    upgraded 0.1.0 database released cancels at once). Written as the tracker would find it.
SELECT txrelay.set_sender_status(31337, txrelay_test.dev(0), 'paused', 'test');
UPDATE txrelay.attempts SET status = 'included', block_number = 7, block_hash = sha256('b7'), receipt_status = 1,
       gas_used = 21000, effective_gas_price = 2000000000, included_at = now() WHERE attempt_id = :'x_pay';
UPDATE txrelay.withdrawals SET status = 'cancelled' WHERE withdrawal_id = :'x';
INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id)
  SELECT 'RELEASE', account, chain_id, asset, amount, withdrawal_id FROM txrelay.withdrawals WHERE withdrawal_id = :'x';
SELECT is((SELECT details ->> 'withdrawal_id' FROM txrelay.verify_ledger() WHERE problem = 'payment mined after its RELEASE'), :'x'::text,
          'verify_ledger() names the withdrawal released and paid');
SELECT is((SELECT details ->> 'attempt_id' FROM txrelay.verify_ledger(true) WHERE problem = 'payment mined after its RELEASE'), :'x_pay'::text,
          'verify_ledger(true) too, with the attempt mined');
SELECT ok(txrelay._domain_counts(NULL) -> 'disagreements' ? 'withdrawals released and yet paid on chain (1)',
          'the reconciliation''s domain counts report it');
SELECT throws_ok($$SELECT txrelay.take_ledger_checkpoint()$$, 'TR010', NULL, 'no checkpoint vouches for it');
SELECT txrelay._add_note(:'x', 'paid_after_release', 'test', jsonb_build_object('attempt_id', :'x_pay'));
SELECT txrelay.set_sender_status(31337, txrelay_test.dev(0), 'quarantined', 'paid after release');
SELECT is((SELECT severity || ':' || withdrawal_id || ':' || tx_hash FROM txrelay.alerts WHERE alert = 'paid_after_release'),
          'critical:' || :'x' || ':0x' || (SELECT encode(tx_hash, 'hex') FROM txrelay.attempts WHERE attempt_id = :'x_pay'),
          'a critical alert names the withdrawal and the transaction');
SELECT txrelay.set_sender_status(31337, txrelay_test.dev(0), 'active', 'the customer repaid; the bytes came from a leaked backup');
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'paid_after_release'$$,
                'the operator re-activating the sender after settling it clears the alert');

SELECT * FROM finish();
ROLLBACK;
