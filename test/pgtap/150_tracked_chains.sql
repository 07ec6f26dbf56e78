-- txrelay._chains_to_track(), the tracker's first question every round: which chains have work
-- (a withdrawal between signed and finalized, an attempt not yet in a block, an inclusion above
-- the finalized head). Each rule is tried with a chain that has only that work and one beside
-- it that has none; then the round's cost is checked against a paid history that outweighs it:
-- every attempt ever included stays 'included', and a round must not read them (the union this
-- replaced read them all, 0.56 s a round at 10^6).
BEGIN;
SELECT plan(14);

SELECT txrelay_test.fixture(150);
SELECT txrelay.add_chain(151, 'a chain without work');

-- The states are written directly (the workers' paths to them are tested on anvil): with the
-- guards of these two tables lifted inside this transaction, which rolls back.
SET LOCAL session_replication_role = replica;
ALTER TABLE txrelay.withdrawals DISABLE TRIGGER USER;
ALTER TABLE txrelay.attempts DISABLE TRIGGER USER;

-- A withdrawal of chain 150 in `status`, with an attempt in `attempt_status` (none when NULL) at
-- `nonce`, included in block `block` when the attempt is 'included'.
CREATE FUNCTION pg_temp.put(key text, status text, attempt_status text, nonce bigint, block bigint) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO txrelay.withdrawals (withdrawal_id, idempotency_key, request_fingerprint, account, chain_id, asset,
                                   to_address, amount, risk_tier, status, completed_at)
  VALUES (md5(key)::uuid, key, sha256(key::bytea), 'alice', 150, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1,
          'standard', status, CASE WHEN status = 'finalized' THEN now() END);
  INSERT INTO txrelay.attempts (signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash, raw_tx, tx_type,
                                gas_limit, max_fee_per_gas, max_priority_fee_per_gas, status, block_number, block_hash, receipt_status)
  SELECT md5('request ' || key)::uuid, md5(key)::uuid, 150, txrelay_test.dev(0), nonce, sha256(('tx ' || key)::bytea), '\x02',
         2, 21000, 1, 1, attempt_status, b, CASE WHEN b IS NOT NULL THEN sha256(('block ' || b)::bytea) END,
         CASE WHEN b IS NOT NULL THEN 1 END
    FROM (SELECT CASE WHEN attempt_status = 'included' THEN block END AS b) x
   WHERE attempt_status IS NOT NULL;
$$;
CREATE FUNCTION pg_temp.drop_work(key text) RETURNS void LANGUAGE sql AS $$
  DELETE FROM txrelay.attempts WHERE withdrawal_id = md5(key)::uuid;
  DELETE FROM txrelay.withdrawals WHERE withdrawal_id = md5(key)::uuid;
$$;
CREATE FUNCTION pg_temp.tracked() RETURNS bigint[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM txrelay._chains_to_track() c
$$;

-- Paid history: 20,000 finalized withdrawals, each included at or below block 2,000, the chain's
-- finalized head.
SELECT pg_temp.put('paid-' || i, 'finalized', 'included', i, i / 10) FROM generate_series(1, 20000) i;
INSERT INTO txrelay.chain_heads (chain_id, latest_number, latest_hash, safe_number, finalized_number)
VALUES (150, 2010, sha256('head'::bytea), 2005, 2000);
ANALYZE txrelay.withdrawals;
ANALYZE txrelay.attempts;
SELECT is(pg_temp.tracked(), '{}'::bigint[], 'finished history is no work: no chain is tracked');

-- The cost of a round, as the tracker pays it (its session has the plan already).
SELECT pg_temp.tracked();
CREATE FUNCTION pg_temp.blocks_read() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM txrelay._chains_to_track()' INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint + (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint;
END
$$;
SELECT cmp_ok(pg_relation_size('txrelay.attempts') / current_setting('block_size')::bigint, '>', 500::bigint,
              'the paid history fills more than 500 pages of attempts');
SELECT cmp_ok(pg_temp.blocks_read(), '<', 100::bigint,
              'a round reads fewer than 100 blocks: the history is never scanned');

-- Each kind of work, alone.
SELECT pg_temp.put('above', 'included', 'included', 20001, 2003);
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'an inclusion above the finalized head: its chain is tracked, no other');
SELECT cmp_ok(pg_temp.blocks_read(), '<', 100::bigint, 'and the round still reads fewer than 100 blocks');
UPDATE txrelay.chain_heads SET latest_number = 2020, safe_number = 2015, finalized_number = 2010 WHERE chain_id = 150;
UPDATE txrelay.withdrawals SET status = 'finalized', completed_at = now() WHERE idempotency_key = 'above';
SELECT is(pg_temp.tracked(), '{}'::bigint[], 'once the head is finalized past it, that chain has no work left');
UPDATE txrelay.withdrawals SET status = 'safe', completed_at = NULL WHERE idempotency_key = 'above';
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'a withdrawal still short of finalized keeps its chain tracked');
SELECT pg_temp.drop_work('above');

SELECT pg_temp.put('sent', 'broadcasted', 'sent', 20002, NULL);
UPDATE txrelay.withdrawals SET status = 'finalized' WHERE idempotency_key = 'sent';  -- only the attempt is open
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'an attempt sent and not yet in a block');
SELECT pg_temp.drop_work('sent');
SELECT pg_temp.put('created', 'finalized', 'created', 20003, NULL);
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'an attempt signed and not yet sent');
SELECT pg_temp.drop_work('created');

SELECT pg_temp.put('signed', 'signed', NULL, NULL, NULL);
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'a signed withdrawal (its attempt still to come)');
UPDATE txrelay.withdrawals SET status = 'reorged' WHERE idempotency_key = 'signed';
SELECT is(pg_temp.tracked(), '{150}'::bigint[], 'a reorged withdrawal');
UPDATE txrelay.withdrawals SET status = 'approved' WHERE idempotency_key = 'signed';
SELECT is(pg_temp.tracked(), '{}'::bigint[], 'an approved withdrawal is the broadcaster''s work, not the tracker''s');
SELECT pg_temp.drop_work('signed');

-- Dropped and replaced attempts are finished: no work.
SELECT pg_temp.put('dropped', 'finalized', 'dropped', 20004, NULL);
SELECT pg_temp.put('replaced', 'finalized', 'replaced', 20005, NULL);
SELECT is(pg_temp.tracked(), '{}'::bigint[], 'dropped and replaced attempts are not work');
SELECT cmp_ok(pg_temp.blocks_read(), '<', 100::bigint, 'and the round at the end reads fewer than 100 blocks too');

SELECT * FROM finish();
ROLLBACK;
