-- After a restore (issue 20, docs/operations.md "Backups and restores"): one call that makes a
-- restored database whole again and says whether it can be trusted. Safe to run at any time: it
-- only moves counters forward and switches triggers back on.
--   identity    a logical restore (pg_restore --data-only --disable-triggers into a fresh CREATE
--               EXTENSION) brings the rows but not the identity counters of the extension's
--               tables, which start again at 1: the next event, ledger entry or outbox row would
--               collide (23505). Each is moved past its table's largest id, never backwards.
--   triggers    pg_restore --disable-triggers ends with ENABLE TRIGGER ALL, which turns the
--               append-only and ledger triggers on in ordinary mode, where
--               session_replication_role = replica switches them off; each goes back to ALWAYS.
--   ledger      verify_ledger(true): the whole history, hash chains, checkpoints and signatures.
--   checkpoint  the restored checkpoint `archived_version` against the hash archived outside the
--               database (the server log's "ledger checkpoint N" line, the txrelay_checkpoints
--               archive), when given.
CREATE FUNCTION txrelay.after_restore(archived_version bigint DEFAULT NULL, archived_hash text DEFAULT NULL)
  RETURNS TABLE (step text, ok boolean, detail text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $restore$
DECLARE
  r record;
  top bigint;
  next_value bigint;
  moved text[] := '{}';
  armed text[] := '{}';
  found_problems bigint;
  first_problem text;
  restored_hash text;
  newest bigint;
BEGIN
  -- (octet_length reads the stored size only: a huge argument is refused before it is read)
  IF archived_hash IS NOT NULL AND (octet_length(archived_hash) <> 66 OR archived_hash !~ '^0x[0-9a-fA-F]{64}$') THEN
    RAISE EXCEPTION 'txrelay.after_restore: archived_hash must be 0x and 64 hex digits (the checkpoint''s hash from the server log)'
      USING ERRCODE = '22023';
  END IF;
  FOR r IN SELECT c.relname, a.attname, pg_catalog.pg_get_serial_sequence(pg_catalog.format('txrelay.%I', c.relname), a.attname) AS seq
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'r' AND a.attidentity <> '' AND NOT a.attisdropped
            ORDER BY c.relname
  LOOP
    EXECUTE pg_catalog.format('SELECT coalesce(max(%I), 0) FROM txrelay.%I', r.attname, r.relname) INTO top;
    EXECUTE pg_catalog.format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', r.seq) INTO next_value;
    IF next_value <= top THEN
      PERFORM pg_catalog.setval(r.seq, top, true);
      moved := moved || pg_catalog.format('%s.%s %s -> %s', r.relname, r.attname, next_value, top + 1);
    END IF;
  END LOOP;
  RETURN QUERY SELECT 'identity'::text, true,
    CASE WHEN cardinality(moved) = 0 THEN 'every identity counter is past its table''s largest id'
         ELSE 'moved past the restored rows: ' || array_to_string(moved, ', ') END;

  FOR r IN SELECT c.relname, t.tgname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'txrelay'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'
            ORDER BY 1, 2
  LOOP
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', r.relname, r.tgname);
    armed := armed || pg_catalog.format('%s.%s', r.relname, r.tgname);
  END LOOP;
  RETURN QUERY SELECT 'triggers'::text, true,
    CASE WHEN cardinality(armed) = 0 THEN 'every trigger is ENABLE ALWAYS'
         ELSE 'set back to ENABLE ALWAYS: ' || array_to_string(armed, ', ') END;

  SELECT count(*), min(v.problem || ': ' || v.details::text) INTO found_problems, first_problem FROM txrelay.verify_ledger(true) v;
  RETURN QUERY SELECT 'ledger'::text, found_problems = 0,
    CASE WHEN found_problems = 0 THEN pg_catalog.format('verify_ledger(true) finds nothing in %s entries', (SELECT count(*) FROM txrelay.ledger_entries))
         ELSE pg_catalog.format('verify_ledger(true) finds %s problem(s), for example %s', found_problems, left(first_problem, 300)) END;

  SELECT max(version) INTO newest FROM txrelay.ledger_checkpoints;
  IF archived_version IS NULL THEN
    RETURN QUERY SELECT 'checkpoint'::text, NULL::boolean,
      pg_catalog.format('not compared: pass the archived hash of a checkpoint (the newest restored is %s)', coalesce(newest::text, 'none'));
    RETURN;
  END IF;
  SELECT '0x' || pg_catalog.encode(c.hash, 'hex') INTO restored_hash FROM txrelay.ledger_checkpoints c WHERE c.version = archived_version;
  RETURN QUERY SELECT 'checkpoint'::text, restored_hash IS NOT NULL AND lower(restored_hash) = lower(archived_hash),
    CASE WHEN restored_hash IS NULL
           THEN pg_catalog.format('checkpoint %s is not in the restored database (it ends at %s): compare the archived hash of %s', archived_version, coalesce(newest::text, 'none'), coalesce(newest::text, 'the first one taken'))
         WHEN lower(restored_hash) = lower(archived_hash)
           THEN pg_catalog.format('checkpoint %s is the archived one (%s)', archived_version, restored_hash)
         ELSE pg_catalog.format('checkpoint %s differs from the archive: restored %s, archived %s: the restored ledger is not the one that was checkpointed', archived_version, restored_hash, archived_hash) END;
END
$restore$;
REVOKE ALL ON FUNCTION txrelay.after_restore(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.after_restore(bigint, text) TO txrelay_operator;
