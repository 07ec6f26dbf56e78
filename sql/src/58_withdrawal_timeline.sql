-- The whole story of one withdrawal, in time order.
CREATE FUNCTION txrelay.withdrawal_timeline(withdrawal_id uuid)
  RETURNS TABLE (at timestamptz, source text, what text, detail jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $timeline$
BEGIN
  IF withdrawal_id IS NULL THEN
    RAISE EXCEPTION 'withdrawal_id must not be null' USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.withdrawal_id = withdrawal_timeline.withdrawal_id) THEN
    RAISE EXCEPTION 'withdrawal_id does not name a withdrawal'
      USING ERRCODE = '22023', DETAIL = pg_catalog.format('No withdrawal %s.', withdrawal_id);
  END IF;
  RETURN QUERY
  SELECT t.at, t.source, t.what, t.detail FROM (
    SELECT e.created_at AS at, 'event'::text AS source,
           CASE WHEN e.event = 'status' THEN coalesce(e.from_status || ' -> ', '') || e.to_status ELSE e.event END AS what,
           jsonb_strip_nulls(jsonb_build_object('event_id', e.event_id, 'reason', e.reason, 'actor', e.actor) || e.detail) AS detail,
           1 AS ord, e.event_id AS seq
      FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT a.created_at, 'approval', a.decision,
           jsonb_strip_nulls(jsonb_build_object('approval_id', a.approval_id, 'policy_decision_id', a.policy_decision_id,
                                                'decided_by', a.decided_by, 'reason', a.reason)), 2, 0
      FROM txrelay.approvals a WHERE a.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT n.created_at, 'nonce', 'reserved', jsonb_build_object('nonce_key', n.nonce_key, 'nonce', n.nonce), 3, 0
      FROM txrelay.nonce_reservations n WHERE n.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT s.created_at, 'signature_request', s.kind || ' ' || s.status,
           jsonb_build_object('signature_request_id', s.signature_request_id, 'nonce', s.nonce,
                              'to', s.to_address, 'value', s.value, 'data', '0x' || encode(s.data, 'hex')), 4, 0
      FROM txrelay.signature_requests s WHERE s.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT o.created_at, 'outbox', o.kind || ' ' || o.status,
           jsonb_strip_nulls(jsonb_build_object('outbox_id', o.outbox_id, 'tries', o.tries, 'last_error', o.last_error,
                                                'signature_request_id', o.signature_request_id, 'attempt_id', o.attempt_id)), 5, o.outbox_id
      FROM txrelay.outbox o WHERE o.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT att.created_at, 'attempt', att.status,
           jsonb_build_object('attempt_id', att.attempt_id, 'tx_hash', '0x' || encode(att.tx_hash, 'hex'), 'nonce', att.nonce,
                              'max_fee_per_gas', att.max_fee_per_gas, 'max_priority_fee_per_gas', att.max_priority_fee_per_gas), 6, 0
      FROM txrelay.attempts att WHERE att.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT r.created_at, 'rpc', r.method || ' ' || r.outcome,
           jsonb_strip_nulls(jsonb_build_object('call_id', r.call_id, 'correlation_id', r.correlation_id, 'http_status', r.http_status,
                                                'latency_ms', r.latency_ms, 'attempt_id', r.attempt_id,
                                                'tx_hash', '0x' || encode(r.tx_hash, 'hex'))), 7, r.call_id
      FROM txrelay.rpc_calls r WHERE r.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT l.created_at, 'ledger', l.kind,
           jsonb_build_object('entry_id', l.entry_id, 'account', l.account, 'asset', l.asset, 'amount', l.amount, 'fee', l.fee), 8, l.entry_id
      FROM txrelay.ledger_entries l WHERE l.withdrawal_id = withdrawal_timeline.withdrawal_id
  ) t
  ORDER BY t.at, t.ord, t.seq;
END
$timeline$;
