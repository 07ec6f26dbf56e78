-- A new checkpoint on top of the newest (decision 51): records every account that changed since,
-- checks the stretch between the two with _ledger_problems(), and refuses (TR010, nothing
-- written) if it finds anything, so a checkpoint never vouches for a damaged ledger.
CREATE FUNCTION txrelay.take_ledger_checkpoint() RETURNS txrelay.ledger_checkpoints
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $take$
DECLARE
  prev txrelay.ledger_checkpoints;
  next_version bigint;
  horizon xid8;
  problems jsonb;
  taken txrelay.ledger_checkpoints;
BEGIN
  -- One taker at a time, so versions are numbered without gaps, each on top of the last; readers
  -- are not blocked.
  LOCK TABLE txrelay.ledger_checkpoints IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO prev FROM txrelay.ledger_checkpoints ORDER BY version DESC LIMIT 1;
  next_version := coalesce(prev.version, 0) + 1;
  -- Read before the accounts: any transaction the capture below cannot see is at or after it.
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  WITH captured AS (
    SELECT ROW(next_version, a.account, a.chain_id, a.asset, a.credited, a.reserved, a.spent, a.entry_count,
               a.last_hash)::txrelay.ledger_checkpoint_accounts AS account_state
      FROM txrelay.ledger_accounts a
      LEFT JOIN LATERAL (
        SELECT cp.entry_count FROM txrelay.ledger_checkpoint_accounts cp
         WHERE cp.account = a.account AND cp.chain_id = a.chain_id AND cp.asset = a.asset
         ORDER BY cp.version DESC LIMIT 1) b ON true
     WHERE a.entry_count > coalesce(b.entry_count, 0) AND a.last_hash IS NOT NULL
  ), header AS (
    INSERT INTO txrelay.ledger_checkpoints (version, taken_at, snapshot_xmin, prev_hash, hash)
    SELECT next_version, now(), horizon, prev.hash,
           txrelay._ledger_checkpoint_hash_of(next_version, now(), prev.hash, ARRAY(SELECT c.account_state FROM captured c))
    RETURNING *
  )
  INSERT INTO txrelay.ledger_checkpoint_accounts SELECT (c.account_state).* FROM captured c, header;
  SELECT * INTO taken FROM txrelay.ledger_checkpoints WHERE version = next_version;
  SELECT jsonb_agg(jsonb_build_object('problem', p.problem, 'details', p.details)) INTO problems
    FROM (SELECT * FROM txrelay._ledger_problems(coalesce(prev.version, 0)) LIMIT 10) p;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION 'ledger verification failed: % % (% found); checkpoint % not taken',
                    problems -> 0 ->> 'problem', problems -> 0 -> 'details', jsonb_array_length(problems), next_version
      USING ERRCODE = 'TR010', DETAIL = problems::text,
            HINT = 'SELECT * FROM txrelay.verify_ledger(); docs/runbook.md, ledger_verification_failed.';
  END IF;
  RETURN taken;
END
$take$;
