-- Operational metrics (DESIGN §7), one row per sample: `metric` and `labels` name it, `value` is
-- the number, `type` and `help` are for txrelay.prometheus(). Rates and latencies are over the
-- last hour (label window = '1h'); gauges are now. Reads only recent rows (by time index) and open
-- rows (partial indexes), so its cost does not grow with history.
CREATE OR REPLACE FUNCTION txrelay._metrics()
  RETURNS TABLE (metric text, labels jsonb, value float8, type text, help text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $metrics$
WITH recent AS (
  SELECT e.* FROM txrelay.withdrawal_events e WHERE e.created_at > now() - interval '1 hour'
),
open_status(status) AS (
  SELECT unnest(txrelay._status_set('in_flight'))
),
latency AS (  -- from the request to each stage reached in the window
  SELECT r.to_status AS stage, extract(epoch FROM r.created_at - w.created_at) AS seconds
    FROM recent r JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
   WHERE r.event = 'status' AND r.to_status = ANY (txrelay._status_set('milestones'))
),
pending AS (
  SELECT extract(epoch FROM now() - w.status_changed_at) AS seconds
    FROM txrelay.withdrawals w
   WHERE w.status <> ALL (txrelay._status_set('final'))
     AND w.status = ANY (txrelay._status_set('awaiting_inclusion'))
),
calls AS (
  SELECT coalesce(c.target, '') AS target, c.outcome, count(*) AS n
    FROM txrelay.rpc_calls c WHERE c.created_at > now() - interval '1 hour' GROUP BY 1, 2
),
open_alerts AS MATERIALIZED (  -- the alerts view is read once
  SELECT a.alert, a.severity FROM txrelay.alerts a
)
SELECT 'txrelay_withdrawals_open'::text AS metric, jsonb_build_object('status', s.status) AS labels,
       coalesce(c.n, 0)::float8 AS value, 'gauge'::text AS type, 'Withdrawals in each open (not final) status now.'::text AS help
  FROM open_status s
  LEFT JOIN (SELECT w.status, count(*) AS n FROM txrelay.withdrawals w   -- one pass over the open-status index
              WHERE w.status <> ALL (txrelay._status_set('final'))
              GROUP BY w.status) c ON c.status = s.status
UNION ALL
SELECT 'txrelay_status_changes', jsonb_build_object('to_status', t.to_status, 'window', '1h'), count(r.event_id)::float8, 'gauge',
       'Withdrawals that entered each status in the last hour (' || array_to_string(txrelay._status_set('final'), ', ') || ' are final).'
  FROM unnest(txrelay._status_set('all')) t(to_status)
  LEFT JOIN recent r ON r.event = 'status' AND r.to_status = t.to_status
 GROUP BY t.to_status
UNION ALL
SELECT 'txrelay_events', jsonb_build_object('event', t.event, 'window', '1h'), count(r.event_id)::float8, 'gauge',
       'Notable events in the last hour: drops, fee bumps, completions, foreign nonces, changed fees after completion.'
  FROM (VALUES ('dropped'), ('fee_bump_requested'), ('fee_bump_signed'), ('fee_bump_at_cap'), ('completed'),
               ('nonce_used_externally'), ('fee_changed_after_completion'), ('requeued')) t(event)
  LEFT JOIN recent r ON r.event = t.event
 GROUP BY t.event
UNION ALL
SELECT 'txrelay_time_to_stage_seconds', jsonb_build_object('stage', st.stage, 'quantile', q.q::text, 'window', '1h'),
       coalesce((SELECT percentile_cont(q.q) WITHIN GROUP (ORDER BY l.seconds) FROM latency l WHERE l.stage = st.stage), 'NaN')::float8,
       'gauge', 'Seconds from the request to ' || regexp_replace(array_to_string(txrelay._status_set('milestones'), ', '), ', ([a-z_]+)$', ' and \1') || ', for withdrawals reaching that stage in the last hour.'
  FROM unnest(txrelay._status_set('milestones')) st(stage), (VALUES (0.5), (0.95)) q(q)
UNION ALL
SELECT 'txrelay_pending_age_seconds', jsonb_build_object('quantile', q.q::text),
       coalesce((SELECT percentile_cont(q.q) WITHIN GROUP (ORDER BY p.seconds) FROM pending p), 0)::float8, 'gauge',
       'Seconds since sent transactions not yet in a block (' || array_to_string(txrelay._status_set('awaiting_inclusion'), ', ') || ') were sent; 0 when there are none.'
  FROM (VALUES (0.5), (0.95)) q(q)
UNION ALL
SELECT 'txrelay_rpc_calls', jsonb_build_object('target', c.target, 'outcome', c.outcome, 'window', '1h'), c.n::float8, 'gauge',
       'JSON-RPC calls in the last hour by endpoint or signer (redacted URL) and outcome class (DESIGN §6).'
  FROM calls c
UNION ALL
SELECT 'txrelay_rpc_error_ratio', jsonb_build_object('target', c.target, 'window', '1h'),
       coalesce(sum(c.n) FILTER (WHERE c.outcome <> 'ok'), 0)::float8 / sum(c.n), 'gauge',
       'Share of the calls in the last hour to an endpoint or signer that did not succeed.'
  FROM calls c GROUP BY c.target
UNION ALL
SELECT 'txrelay_outbox', jsonb_build_object('status', t.status),
       CASE t.status WHEN 'dead' THEN (SELECT count(*) FROM txrelay.outbox o WHERE o.status = 'dead')
                     ELSE (SELECT count(*) FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased') AND o.status = t.status) END::float8,
       'gauge', 'Outbox rows waiting (pending), being worked on (leased) and given up (dead letters).'
  FROM (VALUES ('pending'), ('leased'), ('dead')) t(status)
UNION ALL
SELECT 'txrelay_outbox_tries', jsonb_build_object('tries', b.bucket),
       (SELECT count(*) FROM (SELECT o.tries FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased')
                              UNION ALL SELECT o.tries FROM txrelay.outbox o WHERE o.status = 'dead') o
         WHERE CASE WHEN o.tries = 0 THEN '0' WHEN o.tries = 1 THEN '1' WHEN o.tries <= 3 THEN '2-3'
                    WHEN o.tries <= 10 THEN '4-10' ELSE '11+' END = b.bucket)::float8,
       'gauge', 'Tries so far of the open and dead outbox rows (the retry distribution).'
  FROM (VALUES ('0'), ('1'), ('2-3'), ('4-10'), ('11+')) b(bucket)
UNION ALL
SELECT 'txrelay_senders', jsonb_build_object('status', t.status),
       (SELECT count(*) FROM txrelay.senders s WHERE s.status = t.status)::float8, 'gauge', 'Hot wallets by status.'
  FROM (VALUES ('active'), ('paused'), ('quarantined')) t(status)
UNION ALL
SELECT 'txrelay_chain_head', jsonb_build_object('chain_id', h.chain_id::text, 'tag', t.tag),
       CASE t.tag WHEN 'latest' THEN h.latest_number WHEN 'safe' THEN h.safe_number ELSE h.finalized_number END::float8,
       'gauge', 'The block numbers the tracker has read per chain.'
  FROM txrelay.chain_heads h, (VALUES ('latest'), ('safe'), ('finalized')) t(tag)
UNION ALL
SELECT 'txrelay_chain_head_age_seconds', jsonb_build_object('chain_id', h.chain_id::text),
       extract(epoch FROM now() - h.updated_at)::float8, 'gauge',
       'Seconds since the tracker last recorded a chain''s heads (grows when the tracker or the node stalls).'
  FROM txrelay.chain_heads h
UNION ALL
SELECT 'txrelay_reserved', jsonb_build_object('chain_id', a.chain_id::text, 'asset', a.asset), sum(a.reserved)::float8, 'gauge',
       'Amounts reserved by open withdrawals, in the asset''s base unit (a float: exact figures are in txrelay.balance()).'
  FROM txrelay.ledger_accounts a GROUP BY a.chain_id, a.asset
UNION ALL
SELECT 'txrelay_reconciliation_age_seconds', '{}'::jsonb,
       coalesce((SELECT extract(epoch FROM now() - max(r.finished_at)) FROM txrelay.reconciliation_runs r
                  WHERE r.finished_at IS NOT NULL AND r.status = 'done'), 'NaN')::float8, 'gauge',
       'Seconds since the last reconciliation run finished (NaN: none yet).'
UNION ALL
SELECT 'txrelay_reconciliation_findings', '{}'::jsonb,
       coalesce((SELECT r.findings FROM txrelay.reconciliation_runs r WHERE r.status = 'done' ORDER BY r.finished_at DESC LIMIT 1), 0)::float8,
       'gauge', 'Problems the last finished reconciliation run found.'
UNION ALL
SELECT 'txrelay_request_withdrawal_calls_total', jsonb_build_object('outcome', o.outcome), coalesce(o.n::float8, 'NaN'), 'counter',
       'request_withdrawal() calls since the server started: new withdrawals, idempotent replays (same key, same request: '
       'the first withdrawal returned, nothing written) and conflicts (same key, another request: TR001). NaN: not preloaded.'
  FROM txrelay._request_counts() c,
       LATERAL (VALUES ('new', c.new_requests), ('replay', c.replays), ('conflict', c.conflicts)) o(outcome, n)
UNION ALL
SELECT 'txrelay_ledger_checkpoint_version', '{}'::jsonb,
       coalesce((SELECT max(c.version) FROM txrelay.ledger_checkpoints c), 0)::float8,
       'gauge', 'The newest ledger checkpoint (state version); 0: none yet.'
UNION ALL
SELECT 'txrelay_ledger_checkpoint_age_seconds', '{}'::jsonb,
       coalesce((SELECT extract(epoch FROM now() - c.taken_at) FROM txrelay.ledger_checkpoints c ORDER BY c.version DESC LIMIT 1),
                'NaN')::float8,
       'gauge', 'Seconds since the newest ledger checkpoint was taken (NaN: none yet).'
UNION ALL
SELECT 'txrelay_alerts', jsonb_build_object('severity', t.severity),
       (SELECT count(*) FROM open_alerts a WHERE a.severity = t.severity)::float8, 'gauge', 'Open alerts (txrelay.alerts) by severity.'
  FROM (VALUES ('critical'), ('warning')) t(severity)
UNION ALL
SELECT 'txrelay_alert_open', jsonb_build_object('alert', k.alert, 'severity', k.severity), count(a.alert)::float8, 'gauge',
       'Open alerts (txrelay.alerts) of each kind and severity, 0 when none; docs/monitoring/txrelay-alerts.rules.yml fires on each.'
  FROM txrelay._alert_kinds() k
  LEFT JOIN open_alerts a ON a.alert = k.alert AND a.severity = k.severity
 GROUP BY k.alert, k.severity
$metrics$;
CREATE OR REPLACE VIEW txrelay.metrics AS SELECT * FROM txrelay._metrics();
