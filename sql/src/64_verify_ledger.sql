-- No rows = consistent. By default from the newest checkpoint on (each account's state there plus
-- the entries after it; the withdrawals touched since); full_history => true replays everything
-- and checks every checkpoint against the entries - for a restored node, or a daily job.
CREATE FUNCTION txrelay.verify_ledger(full_history boolean DEFAULT false)
  RETURNS TABLE (problem text, details jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $verify$
BEGIN
  IF full_history IS NULL THEN
    RAISE EXCEPTION 'full_history must be true or false' USING ERRCODE = '22023', DETAIL = 'Got NULL.';
  END IF;
  RETURN QUERY SELECT p.problem, p.details FROM txrelay._ledger_problems(
    CASE WHEN full_history THEN 0 ELSE (SELECT coalesce(max(c.version), 0) FROM txrelay.ledger_checkpoints c) END) p;
END
$verify$;
