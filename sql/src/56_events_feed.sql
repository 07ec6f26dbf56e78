-- The application's catch-up feed (NOTIFY is only a hint). Event ids are drawn before commit, so
-- id order is not commit order: a reader that skipped past id 43 could miss id 41 committed a
-- moment later. The feed therefore returns only events of transactions older than every
-- transaction still running that could write events (see _event_horizon), in (transaction, id)
-- order, and its opaque position is that pair: whatever commits later sorts after it.
CREATE OR REPLACE FUNCTION txrelay.events_since(after_position text DEFAULT NULL, max_rows int DEFAULT 1000)
  RETURNS TABLE (feed_position text, event_id bigint, withdrawal_id uuid, idempotency_key text, event text,
                 from_status text, to_status text, reason text, detail jsonb, created_at timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $since$
DECLARE
  after_xact xid8 := '0';
  after_id bigint := 0;
BEGIN
  IF after_position IS NOT NULL THEN
    -- (judged by its stored size first, which reads no byte of it: a hostile 1 GB text costs nothing)
    IF octet_length(after_position) > 64 THEN
      RAISE EXCEPTION 'after_position is not a position returned by events_since' USING ERRCODE = '22023',
        DETAIL = format('It is %s bytes long; a position is at most 39.', octet_length(after_position)),
        HINT = 'Start with NULL.';
    END IF;
    -- (the numeric comparison keeps an out-of-range number a 22023 that names the argument, not
    -- a bare 22003 from the cast below)
    IF after_position !~ '^[0-9]{1,19}:[0-9]{1,19}$'
       OR split_part(after_position, ':', 2)::numeric > 9223372036854775807 THEN
      RAISE EXCEPTION 'after_position is not a position returned by events_since'
        USING ERRCODE = '22023', DETAIL = format('Got %L.', after_position), HINT = 'Start with NULL.';
    END IF;
    after_xact := split_part(after_position, ':', 1)::xid8;
    after_id := split_part(after_position, ':', 2)::bigint;
  END IF;
  IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000' USING ERRCODE = '22023',
      DETAIL = format('Got %s.', coalesce(max_rows::text, 'NULL'));
  END IF;
  RETURN QUERY
    SELECT e.xact_id::text || ':' || e.event_id, e.event_id, e.withdrawal_id, w.idempotency_key, e.event,
           e.from_status, e.to_status, e.reason, e.detail, e.created_at
      FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w ON w.withdrawal_id = e.withdrawal_id
     WHERE (e.xact_id, e.event_id) > (after_xact, after_id)
       AND e.xact_id < txrelay._event_horizon()
       AND txrelay._sees_withdrawal(w.requested_by)  -- an application login: its own withdrawals
     ORDER BY e.xact_id, e.event_id
     LIMIT max_rows;
END
$since$;

-- The oldest transaction still running that may yet write withdrawal events: events of older
-- transactions are all committed or gone. An open transaction of a role that cannot write events
-- (not a superuser, not the tables' owner, not a member of txrelay_app, txrelay_approver or
-- txrelay_operator: an auditor, an unrelated application) does not hold the feed back; one whose
-- backend is gone (a prepared transaction) does, as it may commit events. (The xid a transaction
-- writes its events under is assigned at its first write, which may precede the first event, so
-- it is not enough to wait for the transactions that have written events so far.)
CREATE OR REPLACE FUNCTION txrelay._event_horizon() RETURNS xid8
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $horizon$
  SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
    FROM pg_snapshot_xip(pg_current_snapshot()) x
   WHERE NOT EXISTS (
           SELECT FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
            WHERE a.backend_xid = xid(x) AND a.backend_type = 'client backend' AND NOT r.rolsuper
              AND r.oid <> (SELECT c.relowner FROM pg_class c WHERE c.oid = 'txrelay.withdrawal_events'::regclass)
              AND NOT pg_has_role(r.oid, 'txrelay_app', 'MEMBER') AND NOT pg_has_role(r.oid, 'txrelay_approver', 'MEMBER')
              AND NOT pg_has_role(r.oid, 'txrelay_operator', 'MEMBER'))
$horizon$;
