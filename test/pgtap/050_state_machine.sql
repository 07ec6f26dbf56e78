-- The state machine (DESIGN §4), tried for every (from, to) pair by direct UPDATE as the
-- superuser: the trigger must allow exactly the table's transitions, write one event per
-- transition, keep request fields immutable and refuse deletes.
BEGIN;
SELECT plan(22);
SELECT txrelay_test.fixture();

-- DESIGN §4 written out here, independently of the C++ table.
CREATE TEMP TABLE expected (from_status text, to_status text);
INSERT INTO expected VALUES
  ('requested', 'approved'), ('requested', 'rejected'), ('requested', 'cancelled'),
  ('approved', 'signed'), ('approved', 'cancelling'), ('approved', 'replaced_externally'),
  ('signed', 'broadcasted'), ('signed', 'cancelling'), ('signed', 'replaced_externally'),
  ('broadcasted', 'included'), ('broadcasted', 'cancelling'), ('broadcasted', 'replaced_externally'),
  ('included', 'safe'), ('included', 'finalized'), ('included', 'reorged'), ('included', 'failed'),
  ('safe', 'finalized'), ('safe', 'reorged'), ('safe', 'failed'),
  ('reorged', 'included'), ('reorged', 'cancelling'), ('reorged', 'replaced_externally'),
  ('cancelling', 'cancelled'), ('cancelling', 'included'), ('cancelling', 'replaced_externally');

SELECT set_eq($$SELECT * FROM txrelay.state_transitions()$$, $$SELECT * FROM expected$$,
              'state_transitions() is the table of DESIGN §4');

-- A path from 'requested' to each state, through allowed transitions only.
CREATE TEMP TABLE paths (status text, path text[]);
INSERT INTO paths VALUES
  ('requested', '{}'), ('approved', '{approved}'), ('signed', '{approved,signed}'),
  ('broadcasted', '{approved,signed,broadcasted}'), ('included', '{approved,signed,broadcasted,included}'),
  ('safe', '{approved,signed,broadcasted,included,safe}'), ('finalized', '{approved,signed,broadcasted,included,finalized}'),
  ('reorged', '{approved,signed,broadcasted,included,reorged}'), ('failed', '{approved,signed,broadcasted,included,failed}'),
  ('rejected', '{rejected}'), ('cancelled', '{cancelled}'), ('replaced_externally', '{approved,replaced_externally}'),
  ('cancelling', '{approved,cancelling}');

-- Tries every pair; each attempt runs in a subtransaction that is rolled back, so every try
-- starts from a withdrawal sitting in `from`. Records whether the database allowed it and how
-- many event rows the attempt wrote.
CREATE TEMP TABLE tried (from_status text, to_status text, allowed boolean, sqlstate text, events int);
DO $$
DECLARE
  f record;
  t text;
  id uuid;
  s text;
  n int;
  k int := 0;
  allowed boolean;
  state text;
BEGIN
  FOR f IN SELECT * FROM paths LOOP
    k := k + 1;
    id := (txrelay.request_withdrawal('sm-' || k, 'alice', 31337, 'ETH', txrelay_test.dev(2), 1)).withdrawal_id;
    FOREACH s IN ARRAY f.path LOOP
      UPDATE txrelay.withdrawals SET status = s WHERE withdrawal_id = id;
    END LOOP;
    FOR t IN SELECT x FROM unnest(ARRAY['requested', 'approved', 'signed', 'broadcasted', 'included', 'safe',
                 'finalized', 'reorged', 'failed', 'rejected', 'cancelled', 'replaced_externally', 'cancelling']) x
              WHERE x <> f.status LOOP
      allowed := false;
      state := '00000';
      n := 0;
      BEGIN
        UPDATE txrelay.withdrawals SET status = t, status_reason = 'test' WHERE withdrawal_id = id;
        SELECT count(*) INTO n FROM txrelay.withdrawal_events
         WHERE withdrawal_id = id AND from_status = f.status AND to_status = t AND reason = 'test';
        allowed := true;
        RAISE EXCEPTION USING ERRCODE = 'TRUND', MESSAGE = 'undo the allowed transition';
      EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> 'TRUND' THEN
          state := SQLSTATE;
        END IF;
      END;
      -- plpgsql variables keep their values when the subtransaction rolls back
      INSERT INTO tried VALUES (f.status, t, allowed, state, n);
    END LOOP;
  END LOOP;
END
$$;

SELECT is((SELECT count(*)::int FROM tried), 156, 'all 13 x 12 pairs of different states were tried');
SELECT set_eq($$SELECT from_status, to_status FROM tried WHERE allowed$$, $$SELECT * FROM expected$$,
              'the database allows exactly the transitions of the table');
SELECT is_empty($$SELECT * FROM tried WHERE NOT allowed AND sqlstate <> 'TR003'$$, 'every refused transition is TR003');
SELECT is_empty($$SELECT * FROM tried WHERE allowed AND events <> 1$$, 'every allowed transition writes exactly one event');
SELECT is_empty($$SELECT * FROM tried t JOIN expected e USING (from_status, to_status) WHERE NOT t.allowed$$,
                'no allowed transition is refused');
SELECT ok((SELECT bool_and(NOT allowed) FROM tried WHERE from_status IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')),
          'terminal states have no way out');
SELECT ok((SELECT NOT allowed FROM tried WHERE from_status = 'included' AND to_status = 'broadcasted'),
          'included -> broadcasted is forbidden (a reorg is its own state)');

-- Setting the status it already has is not a transition: no event, nothing changes.
SELECT (txrelay.request_withdrawal('sm-same', 'alice', 31337, 'ETH', txrelay_test.dev(2), 5)).withdrawal_id AS same \gset
UPDATE txrelay.withdrawals SET status = 'requested' WHERE withdrawal_id = :'same';
SELECT is((SELECT count(*)::int FROM txrelay.withdrawal_events WHERE withdrawal_id = :'same'), 1,
          're-setting the same status writes no event');

-- Creation and immutability
SELECT throws_ok($$INSERT INTO txrelay.withdrawals (idempotency_key, request_fingerprint, account, chain_id, asset, to_address,
                   amount, risk_tier, status) VALUES ('sm-direct', decode(repeat('00', 32), 'hex'), 'alice', 31337, 'ETH',
                   '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard', 'finalized')$$,
                 'TR003', NULL, 'a withdrawal cannot be created in a later state');
SELECT (txrelay.request_withdrawal('sm-imm', 'alice', 31337, 'ETH', txrelay_test.dev(2), 5)).withdrawal_id AS imm \gset
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET amount = 6 WHERE withdrawal_id = %L$$, :'imm'), 'TR006', NULL,
                 'the amount of a request is immutable');
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET to_address = %L WHERE withdrawal_id = %L$$, txrelay_test.dev(3), :'imm'),
                 'TR006', NULL, 'the destination of a request is immutable');
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET idempotency_key = 'other' WHERE withdrawal_id = %L$$, :'imm'),
                 'TR006', NULL, 'the idempotency key is immutable');
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET metadata = '{"x": 1}' WHERE withdrawal_id = %L$$, :'imm'),
                 'TR006', NULL, 'the metadata of a request is immutable');
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET withdrawal_id = gen_random_uuid() WHERE withdrawal_id = %L$$, :'imm'),
                 'TR006', NULL, 'the withdrawal id is immutable');
SELECT lives_ok(format($$UPDATE txrelay.withdrawals SET metadata = metadata WHERE withdrawal_id = %L$$, :'imm'),
                'an update that changes nothing is allowed');
UPDATE txrelay.withdrawals SET completed_at = now() WHERE withdrawal_id = :'imm';
SELECT throws_ok(format($$UPDATE txrelay.withdrawals SET completed_at = now() + interval '1 hour' WHERE withdrawal_id = %L$$, :'imm'),
                 'TR006', NULL, 'completed_at is set once');
SELECT throws_ok(format($$DELETE FROM txrelay.withdrawals WHERE withdrawal_id = %L$$, :'imm'), 'TR006', NULL,
                 'withdrawals are never deleted');
SELECT throws_ok($$TRUNCATE txrelay.withdrawals CASCADE$$, 'TR006', NULL, 'nor truncated');

-- Event rows carry the reason of their own transition only.
UPDATE txrelay.withdrawals SET status = 'cancelled' WHERE withdrawal_id = :'imm';
SELECT is((SELECT reason FROM txrelay.withdrawal_events WHERE withdrawal_id = :'imm' AND to_status = 'cancelled'), NULL,
          'a transition without a reason does not inherit the previous one');
SELECT is((SELECT status_changed_at FROM txrelay.withdrawals WHERE withdrawal_id = :'imm'), now(),
          'status_changed_at is stamped on each transition');
SELECT throws_ok($$UPDATE txrelay.withdrawal_events SET to_status = 'finalized'$$, 'TR006', NULL,
                 'the event history cannot be rewritten');

SELECT * FROM finish();
ROLLBACK;
