-- Asks the tracker for a reconciliation run of one chain (NULL: all) and returns its id at once
-- (the run itself reads the chain). A run of the same scope already requested or running is
-- returned instead of queueing another, so a frequent pg_cron schedule cannot pile runs up.
CREATE OR REPLACE FUNCTION txrelay.reconcile(chain_id bigint DEFAULT NULL) RETURNS bigint
  LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_reconcile';

-- Domain counts from three sources that must agree (DESIGN §7): the withdrawals' statuses, their
-- creation events and the ledger's entries. requested = completed + ended unpaid + in flight, and
-- RESERVE / COMMIT / RELEASE / open reservations against each. It reads whole histories, so each
-- reconciliation run computes it (a background job), never the alerts view; domain_counts_disagree
-- shows the last run's result.
CREATE OR REPLACE FUNCTION txrelay._domain_counts(chain_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $counts$
  WITH w AS (
    SELECT count(*) FILTER (WHERE x.completed_at IS NOT NULL) AS completed,
           count(*) FILTER (WHERE x.status = ANY (txrelay._status_set('ended_unpaid'))) AS ended_unpaid,
           count(*) FILTER (WHERE x.completed_at IS NULL
                              AND x.status <> ALL (txrelay._status_set('ended_unpaid'))) AS in_flight
      FROM txrelay.withdrawals x
     WHERE _domain_counts.chain_id IS NULL OR x.chain_id = _domain_counts.chain_id
  ), e AS (
    SELECT count(*) AS requested
      FROM txrelay.withdrawal_events ev JOIN txrelay.withdrawals x ON x.withdrawal_id = ev.withdrawal_id
     WHERE ev.event = 'status' AND ev.from_status IS NULL
       AND (_domain_counts.chain_id IS NULL OR x.chain_id = _domain_counts.chain_id)
  ), l AS (
    SELECT count(*) FILTER (WHERE le.kind = 'RESERVE') AS reserves, count(*) FILTER (WHERE le.kind = 'COMMIT') AS commits,
           count(*) FILTER (WHERE le.kind = 'RELEASE') AS releases
      FROM txrelay.ledger_entries le
     WHERE le.withdrawal_id IS NOT NULL AND (_domain_counts.chain_id IS NULL OR le.chain_id = _domain_counts.chain_id)
  ), p AS (  -- released and yet paid: our payment in a block for a withdrawal whose RELEASE stands
    SELECT count(DISTINCT le.withdrawal_id) AS paid_after_release
      FROM txrelay.ledger_entries le
      JOIN txrelay.attempts a ON a.withdrawal_id = le.withdrawal_id AND a.status = 'included' AND a.receipt_status = 1
      JOIN txrelay.signature_requests s ON s.signature_request_id = a.signature_request_id
     WHERE le.kind = 'RELEASE' AND txrelay._pays(s.to_address, s.from_address, s.value, s.data)
       AND (_domain_counts.chain_id IS NULL OR le.chain_id = _domain_counts.chain_id)
  )
  SELECT jsonb_build_object(
           'chain_id', _domain_counts.chain_id, 'requested', e.requested, 'completed', w.completed,
           'ended_unpaid', w.ended_unpaid, 'in_flight', w.in_flight, 'reserve_entries', l.reserves,
           'commit_entries', l.commits, 'release_entries', l.releases,
           'open_reservations', l.reserves - l.commits - l.releases, 'paid_after_release', p.paid_after_release,
           'disagreements', to_jsonb(array_remove(ARRAY[
             CASE WHEN e.requested <> w.completed + w.ended_unpaid + w.in_flight THEN
               format('requested (%s creation events) <> completed (%s) + ended unpaid (%s) + in flight (%s)',
                      e.requested, w.completed, w.ended_unpaid, w.in_flight) END,
             CASE WHEN l.reserves <> e.requested THEN
               format('RESERVE entries (%s) <> requested (%s)', l.reserves, e.requested) END,
             CASE WHEN l.commits <> w.completed THEN
               format('COMMIT entries (%s) <> completed (%s)', l.commits, w.completed) END,
             CASE WHEN l.releases <> w.ended_unpaid THEN
               format('RELEASE entries (%s) <> rejected, cancelled, failed or replaced externally (%s)', l.releases, w.ended_unpaid) END,
             CASE WHEN l.reserves - l.commits - l.releases <> w.in_flight THEN
               format('open reservations (%s) <> in flight (%s)', l.reserves - l.commits - l.releases, w.in_flight) END,
             CASE WHEN p.paid_after_release > 0 THEN
               format('withdrawals released and yet paid on chain (%s)', p.paid_after_release) END
           ]::text[], NULL)))
    FROM w, e, l, p
$counts$;
