-- Every kind of alert txrelay.alerts can raise, with each severity it can have: the metric
-- txrelay_alert_open counts each (zero when none is open), and docs/monitoring/ has a Prometheus
-- rule for each. test/docs_match.sh checks this list against the queries below.
CREATE OR REPLACE FUNCTION txrelay._alert_kinds()
  RETURNS TABLE (alert text, severity text)
  LANGUAGE sql IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $kinds$
  VALUES
    ('dead_letter', 'critical'),
    ('sender_quarantined', 'critical'),
    ('paid_after_release', 'critical'),
    ('fee_bump_at_cap', 'warning'),
    ('pending_too_long', 'warning'),
    ('reservation_open_too_long', 'warning'),
    ('rpc_errors', 'critical'),
    ('rpc_errors', 'warning'),
    ('standby_not_in_sync', 'critical'),
    ('send_retrying', 'critical'),
    ('tracker_stalled', 'critical'),
    ('worker_not_running', 'critical'),
    ('ledger_reserved_mismatch', 'critical'),
    ('domain_counts_disagree', 'critical'),
    ('ledger_verification_failed', 'critical'),
    ('ledger_checkpoint_stale', 'warning'),
    ('ledger_checkpoint_unsigned', 'warning'),
    ('hot_wallet_low', 'critical'),
    ('reconciliation_failed', 'warning'),
    ('reconciliation_stale', 'warning'),
    ('drops_and_replacements_spike', 'warning'),
    ('time_to_finalized_rising', 'warning'),
    ('endpoint_wrong_chain', 'critical'),
    ('endpoint_without_batches', 'critical'),
    ('signer_cannot_sign', 'critical'),
    ('tags_follow_latest', 'warning'),
    ('unknown_transaction', 'critical'),
    ('withdrawal_matches_unknown_transaction', 'critical')
$kinds$;

-- Open, actionable alerts (DESIGN §7): one row per problem that needs a person, with what broke,
-- where to look, why it matters, what to do and the identifiers. Computed from the tables and
-- pg_stat_activity on every read, so a row disappears when its cause is fixed. Thresholds are the
-- txrelay.alert_* settings (docs/operations.md); the defaults apply where the library is not loaded.
-- (A function with jit = off under each view: the views' many branches cost enough to make the
-- planner JIT-compile them, which takes far longer than running them - bench/metrics_cost.sh.)
CREATE OR REPLACE FUNCTION txrelay._alerts()
  RETURNS TABLE (severity text, alert text, what text, where_to_look text, why_it_matters text, what_to_do text,
                 since timestamptz, chain_id bigint, withdrawal_id uuid, idempotency_key text, nonce_key text,
                 attempt_id uuid, tx_hash text, details jsonb)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $alerts$
WITH settings AS (  -- the thresholds, defaults included, from the settings' one table (txrelay._setting)
  SELECT txrelay._setting('alert_pending_age')::interval AS pending_age,
         txrelay._setting('alert_reservation_age')::interval AS reservation_age,
         txrelay._setting('alert_rpc_window')::interval AS rpc_window,
         txrelay._setting('alert_rpc_error_percent')::int AS rpc_error_percent,
         txrelay._setting('alert_rpc_min_calls')::int AS rpc_min_calls,
         txrelay._setting('alert_reconcile_age')::interval AS reconcile_age,
         txrelay._setting('alert_spike_min')::int AS spike_min,
         txrelay._setting('ledger_checkpoint_interval')::interval AS checkpoint_interval,
         txrelay._setting('alert_tracker_stall')::interval AS tracker_stall,
         txrelay._setting('broadcaster_max_tries')::int AS max_tries
),
newest_checkpoint AS (
  SELECT c.version, c.taken_at FROM txrelay.ledger_checkpoints c ORDER BY c.version DESC LIMIT 1
),
-- Events of the last hour and of the 24 hours before it, for spikes against the usual rate.
recent_events AS (
  SELECT e.event, e.to_status, e.created_at, e.withdrawal_id, e.created_at > now() - interval '1 hour' AS last_hour
    FROM txrelay.withdrawal_events e
   WHERE e.created_at > now() - interval '25 hours'  -- now(), not clock_timestamp(): an index condition
     AND (e.event IN ('dropped', 'nonce_used_externally') OR e.to_status IN ('reorged', 'finalized'))
),
last_run AS (  -- the newest finished reconciliation run
  SELECT r.* FROM txrelay.reconciliation_runs r WHERE r.finished_at IS NOT NULL ORDER BY r.finished_at DESC LIMIT 1
),
-- Reservations neither committed nor released. Only a withdrawal that is open (or finalized by
-- hand before completion) can hold one, so the candidates come from the partial indexes on open
-- withdrawals, not from the whole ledger; a final withdrawal whose RESERVE was never resolved
-- shows up as ledger_reserved_mismatch (and in verify_ledger()).
open_reservations AS (
  SELECT r.withdrawal_id, r.account, r.chain_id, r.asset, r.amount, r.created_at
    FROM (SELECT w.withdrawal_id FROM txrelay.withdrawals w
           WHERE w.status <> ALL (txrelay._status_set('final'))
          UNION ALL
          SELECT w.withdrawal_id FROM txrelay.withdrawals w WHERE w.status = 'finalized' AND w.completed_at IS NULL) c
    -- (LATERAL ... LIMIT 1: index probes per candidate, never a hash of every RESERVE or resolution)
    CROSS JOIN LATERAL (SELECT e.* FROM txrelay.ledger_entries e
                         WHERE e.withdrawal_id = c.withdrawal_id AND e.kind = 'RESERVE'
                           AND NOT EXISTS (SELECT FROM txrelay.ledger_entries x
                                            WHERE x.withdrawal_id = c.withdrawal_id AND x.kind IN ('COMMIT', 'RELEASE'))
                         LIMIT 1) r
)
SELECT 'critical'::text AS severity, 'dead_letter'::text AS alert,
       format('outbox %s (%s) gave up after %s tries: %s', o.outbox_id, o.kind, o.tries, coalesce(o.last_error, 'no error recorded')) AS what,
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); the rpc_calls of the withdrawal', o.withdrawal_id) AS where_to_look,
       'the withdrawal will not leave until someone acts; the customer is waiting and the amount stays reserved' AS why_it_matters,
       format('fix the cause named above (node, signer, fee caps, balance), then SELECT txrelay.requeue_dead(%s)', o.outbox_id) AS what_to_do,
       o.updated_at AS since, o.chain_id, o.withdrawal_id, w.idempotency_key, n.nonce_key, coalesce(o.attempt_id, la.attempt_id) AS attempt_id,
       la.tx_hash, jsonb_build_object('outbox_id', o.outbox_id, 'kind', o.kind, 'tries', o.tries) AS details
  FROM txrelay.outbox o
  LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = o.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = o.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(o.withdrawal_id) la ON true
 WHERE o.status = 'dead'
UNION ALL
SELECT 'critical', 'sender_quarantined',
       format('sender %s on chain %s is quarantined: %s', s.address, s.chain_id, coalesce(s.status_reason, 'no reason recorded')),
       'SELECT * FROM txrelay.withdrawal_timeline(withdrawal_id) of the withdrawal named here; the chain''s transactions of the sender at that nonce',
       'the chain and the database disagree about this wallet''s nonces: someone else signs with its key, or a failover lost a write; its withdrawals get no nonces until it is cleared',
       format('find who used the nonce (the foreign tx_hash is in the reason); secure the key; then SELECT txrelay.set_sender_status(%s, %L, ''active'', ''<why it is safe>'')', s.chain_id, s.address),
       s.status_changed_at, s.chain_id, x.withdrawal_id, x.idempotency_key, x.nonce_key, x.attempt_id, x.tx_hash,
       jsonb_build_object('sender', s.address)
  FROM txrelay.senders s
  LEFT JOIN LATERAL (
    SELECT w.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash
      FROM txrelay.nonce_reservations n JOIN txrelay.withdrawals w ON w.withdrawal_id = n.withdrawal_id
      LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
     WHERE n.chain_id = s.chain_id AND n.from_address = s.address AND w.status = 'replaced_externally'
     ORDER BY w.status_changed_at DESC LIMIT 1) x ON true
 WHERE s.status = 'quarantined'
UNION ALL
SELECT 'critical', 'paid_after_release',
       format('withdrawal %s is %s and its amount released, yet its payment %s was mined: %s', w.withdrawal_id, w.status,
              e.detail ->> 'attempt_id', e.reason),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT * FROM txrelay.verify_ledger()', w.withdrawal_id),
       'the customer was refunded and paid: the hot wallet is short by the amount, and the ledger says otherwise',
       format('recover the amount from the customer or book the loss; find who held the signed bytes; then SELECT txrelay.set_sender_status(%s, %L, ''active'', ''<how it was settled>''), which clears this alert', w.chain_id, n.from_address),
       e.created_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, (e.detail ->> 'attempt_id')::uuid,
       '0x' || encode(a.tx_hash, 'hex'), e.detail
  FROM txrelay.withdrawal_events e
  JOIN txrelay.withdrawals w ON w.withdrawal_id = e.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  LEFT JOIN txrelay.attempts a ON a.attempt_id = (e.detail ->> 'attempt_id')::uuid
  LEFT JOIN txrelay.senders d ON d.chain_id = n.chain_id AND d.address = n.from_address
 WHERE e.event = 'paid_after_release'
   AND NOT coalesce(d.status = 'active' AND d.status_changed_at >= e.created_at, false)  -- until an operator re-activates it
UNION ALL
SELECT 'warning', 'fee_bump_at_cap',
       format('withdrawal %s is not in a block and is not bumped again on chain %s (%s)', w.withdrawal_id, w.chain_id, e.reason),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT max_fee_per_gas_cap, max_priority_fee_cap FROM txrelay.chains WHERE chain_id = %s', w.withdrawal_id, w.chain_id),
       'the transaction is priced below the market and may wait for hours; the nonce blocks every later withdrawal of the sender',
       format('at the fee caps: if the market fee is acceptable, raise them: SELECT txrelay.set_chain(%s, max_fee_per_gas_cap => ..., max_priority_fee_cap => ...); the next bump goes out by itself. At txrelay.max_fee_bumps_per_nonce: read why the node refuses each attempt (SELECT * FROM txrelay.rpc_calls WHERE withdrawal_id = %L) before raising it', w.chain_id, w.withdrawal_id),
       e.created_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, (e.detail ->> 'attempt_id')::uuid, la.tx_hash,
       e.detail
  FROM txrelay.withdrawals w
  JOIN LATERAL (SELECT * FROM txrelay.withdrawal_events v WHERE v.withdrawal_id = w.withdrawal_id AND v.event = 'fee_bump_at_cap'
                 ORDER BY v.event_id DESC LIMIT 1) e ON true
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
 WHERE w.status <> ALL (txrelay._status_set('final'))
   AND w.status = ANY (txrelay._status_set('unconfirmed'))
UNION ALL
SELECT 'warning', 'pending_too_long',
       format('withdrawal %s has been %s for %s without a block', w.withdrawal_id, w.status, date_trunc('second', clock_timestamp() - w.status_changed_at)),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); the node''s view of tx %s', w.withdrawal_id, la.tx_hash),
       'the customer is waiting; a stuck nonce holds back every later withdrawal of the sender',
       'check the tracker is running and the node is synced; a fee bump is requested by itself after txrelay.stuck_blocks blocks (see fee_bump_at_cap)',
       w.status_changed_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash,
       jsonb_build_object('threshold', (SELECT pending_age FROM settings)::text)
  FROM txrelay.withdrawals w
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
 WHERE w.status <> ALL (txrelay._status_set('final'))
   AND w.status = ANY (txrelay._status_set('awaiting_inclusion')) AND w.status_changed_at < clock_timestamp() - (SELECT pending_age FROM settings)
UNION ALL
SELECT 'warning', 'reservation_open_too_long',
       format('%s %s of account %s reserved by withdrawal %s (%s) for %s, neither committed nor released', r.amount, r.asset, r.account,
              r.withdrawal_id, w.status, date_trunc('second', clock_timestamp() - r.created_at)),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L)', r.withdrawal_id),
       'the customer''s money is held: a withdrawal waiting for approval, signing or finality for this long is forgotten or stuck',
       'approve, reject or cancel it if it waits for a decision; else follow its pending_too_long or dead_letter alert',
       r.created_at, r.chain_id, r.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash,
       jsonb_build_object('status', w.status, 'threshold', (SELECT reservation_age FROM settings)::text)
  FROM open_reservations r
  JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = r.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(r.withdrawal_id) la ON true
 WHERE r.created_at < clock_timestamp() - (SELECT reservation_age FROM settings)
UNION ALL
SELECT CASE WHEN c.failed = c.calls THEN 'critical' ELSE 'warning' END, 'rpc_errors',
       format('%s of %s calls to %s failed in the last %s (%s)', c.failed, c.calls, c.target, (SELECT rpc_window FROM settings), c.outcomes),
       format('SELECT created_at, method, outcome, response FROM txrelay.rpc_calls WHERE target = %L ORDER BY call_id DESC LIMIT 20', c.target),
       'sends and confirmations slow down or stop; with every endpoint of a chain failing nothing leaves and nothing is confirmed',
       'check the node or signer (up, synced, rate limits, credentials); add or prefer another endpoint with txrelay.add_rpc_endpoint / set_rpc_endpoint',
       c.first_failure, c.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('endpoint_id', c.endpoint_id, 'target', c.target, 'calls', c.calls, 'failed', c.failed)
  FROM (SELECT k.endpoint_id, k.target, k.chain_id, count(*) AS calls, count(*) FILTER (WHERE k.outcome <> 'ok') AS failed,
               min(k.created_at) FILTER (WHERE k.outcome <> 'ok') AS first_failure,
               (SELECT string_agg(o || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT k2.outcome AS o, count(*) AS n FROM txrelay.rpc_calls k2
                  WHERE k2.created_at > now() - (SELECT rpc_window FROM settings) AND k2.target IS NOT DISTINCT FROM k.target
                    AND k2.outcome <> 'ok' GROUP BY 1) z) AS outcomes
          FROM txrelay.rpc_calls k
         WHERE k.created_at > now() - (SELECT rpc_window FROM settings)
         GROUP BY k.endpoint_id, k.target, k.chain_id) c
 WHERE c.calls >= (SELECT rpc_min_calls FROM settings) AND c.failed * 100 >= c.calls * (SELECT rpc_error_percent FROM settings)
UNION ALL
SELECT 'critical', 'standby_not_in_sync',
       format('%s signed transaction(s) held back: %s', h.n, h.last_error),
       'SELECT application_name, state, sync_state, flush_lsn FROM pg_stat_replication; SHOW synchronous_standby_names; patronictl list',
       'with txrelay.require_synchronous_standby on, nothing is sent until a synchronous standby holds the record of it: withdrawals wait',
       'bring a synchronous standby back (check Patroni''s synchronous_mode and the standby''s replication); the sends go out by themselves',
       h.since, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('held', h.n)
  FROM (SELECT count(*) AS n, min(o.updated_at) AS since, min(o.last_error) AS last_error FROM txrelay.outbox o
         WHERE o.status IN ('pending', 'leased') AND o.kind = 'broadcast'
           AND o.last_error LIKE 'waiting for a synchronous standby%') h
 WHERE h.n > 0
UNION ALL
SELECT 'critical', 'send_retrying',
       format('outbox %s (%s) has failed %s times and keeps retrying: %s', o.outbox_id, o.kind, o.tries, coalesce(o.last_error, '')),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT * FROM txrelay.rpc_calls WHERE withdrawal_id = %L ORDER BY created_at DESC LIMIT 10',
              o.withdrawal_id, o.withdrawal_id),
       'its nonce is reserved: until it is signed and sent, every later withdrawal of this hot wallet waits behind it',
       'fix what the error names (node or signer unreachable, rate limits, hot wallet funds); the row retries by itself at the longest backoff',
       o.updated_at, o.chain_id, o.withdrawal_id, w.idempotency_key, n.nonce_key, coalesce(o.attempt_id, la.attempt_id),
       la.tx_hash, jsonb_build_object('outbox_id', o.outbox_id, 'kind', o.kind, 'tries', o.tries)
  FROM txrelay.outbox o
  LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = o.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = o.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(o.withdrawal_id) la ON true
 WHERE o.status IN ('pending', 'leased') AND o.kind IN ('sign', 'broadcast') AND o.tries >= (SELECT max_tries FROM settings)
UNION ALL
SELECT 'critical', 'tracker_stalled',
       CASE WHEN h.chain_id IS NULL
            THEN format('the tracker has never read chain %s while %s withdrawal(s) wait to be followed (the oldest for %s)',
                        c.chain_id, f.n, date_trunc('second', clock_timestamp() - f.since))
            ELSE format('the tracker has not advanced chain %s for %s (head %s) while %s withdrawal(s) wait to be followed',
                        c.chain_id, date_trunc('second', clock_timestamp() - h.updated_at), h.latest_number, f.n) END
         -- the node's own words: its last failed answer to a call for this chain
         || coalesce('; the node''s last failure: ' || (
              SELECT r.method || ' ' || left(r.response, 300) FROM txrelay.rpc_calls r
               WHERE r.chain_id = c.chain_id AND r.outcome <> 'ok' AND r.endpoint_id IS NOT NULL
                 AND r.created_at > coalesce(h.updated_at, f.since)
               ORDER BY r.call_id DESC LIMIT 1), ''),
       format('the server log: ''txrelay tracker: chain %s''; the node: eth_blockNumber and eth_getBlockByNumber(%s); SELECT * FROM txrelay.metrics WHERE metric = ''txrelay_chain_head_age_seconds''',
              c.chain_id, coalesce(h.latest_number + 1, 0)),
       'nothing on this chain is confirmed, settled or noticed while it stalls: no inclusion, reorg, drop or finality',
       'check the node (synced? does it serve the next block? the server log says what the tracker could not read) and the endpoint''s errors; add another endpoint with txrelay.add_rpc_endpoint; the tracker goes on by itself',
       coalesce(h.updated_at, f.since), c.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('head', h.latest_number, 'in_flight', f.n, 'threshold', (SELECT tracker_stall FROM settings)::text)
  FROM txrelay.chains c
  LEFT JOIN txrelay.chain_heads h ON h.chain_id = c.chain_id
  CROSS JOIN LATERAL (SELECT count(*) AS n, min(w.status_changed_at) AS since FROM txrelay.withdrawals w
                       WHERE w.chain_id = c.chain_id AND w.status = ANY (txrelay._status_set('on_chain'))) f
 WHERE f.n > 0 AND coalesce(h.updated_at, f.since) < clock_timestamp() - (SELECT tracker_stall FROM settings)
UNION ALL
SELECT 'critical', 'worker_not_running',
       format('the %s %s and it has work: %s', k.worker,
              CASE WHEN k.disabled THEN format('is switched off (txrelay.%s_enabled = off)', k.worker) ELSE 'is not running in this database' END, k.work),
       'SELECT backend_type, state, query FROM pg_stat_activity WHERE backend_type LIKE ''txrelay%''; the server log',
       CASE k.worker WHEN 'broadcaster' THEN 'nothing is signed or sent: every approved withdrawal waits'
                     ELSE 'nothing is confirmed or settled: reorgs, drops and foreign nonces go unnoticed' END,
       format('check shared_preload_libraries includes txrelay, txrelay.database = %L, txrelay.%s_enabled = on, and that this server is the primary; restart the server if the worker keeps crashing (server log)', current_database(), k.worker),
       k.since, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('worker', k.worker)
  FROM (SELECT w.*, txrelay._setting(w.worker || '_enabled') = 'off' AS disabled FROM (
        SELECT 'broadcaster' AS worker, count(*) || ' outbox row(s) waiting' AS work, min(o.created_at) AS since
          FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased') AND o.created_at < clock_timestamp() - interval '10 seconds'
        HAVING count(*) > 0
        UNION ALL
        SELECT 'tracker', count(*) || ' sent or unfinalized withdrawal(s) to follow', min(w.status_changed_at)
          FROM txrelay.withdrawals w
         WHERE w.status <> ALL (txrelay._status_set('final'))
           AND w.status = ANY (txrelay._status_set('on_chain')) AND w.status_changed_at < clock_timestamp() - interval '10 seconds'
        HAVING count(*) > 0) w) k
 WHERE k.disabled
    OR NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity p WHERE p.backend_type = 'txrelay ' || k.worker AND p.datname = current_database())
UNION ALL
SELECT 'critical', 'ledger_reserved_mismatch',
       format('account %s holds %s %s reserved, but its open withdrawals add up to %s', a.account, a.reserved, a.asset, coalesce(o.total, 0)),
       'SELECT * FROM txrelay.verify_ledger()',
       'the ledger no longer agrees with the withdrawals: money is held that no withdrawal needs, or a withdrawal pays from money not held',
       'stop approvals for the account; run verify_ledger() and compare its RESERVE/COMMIT/RELEASE entries with the withdrawals; restore from backup if rows were changed by hand',
       a.updated_at, a.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('account', a.account, 'asset', a.asset, 'reserved', a.reserved, 'open_withdrawals', coalesce(o.total, 0))
  FROM txrelay.ledger_accounts a
  LEFT JOIN (SELECT account, chain_id, asset, sum(amount) AS total FROM open_reservations GROUP BY 1, 2, 3) o
         USING (account, chain_id, asset)
 WHERE a.reserved <> coalesce(o.total, 0)
UNION ALL
SELECT 'critical', 'domain_counts_disagree',
       format('reconciliation run %s: %s', r.run_id, d.what),
       format('SELECT domain_counts FROM txrelay.reconciliation_runs WHERE run_id = %s; SELECT * FROM txrelay.verify_ledger(true)', r.run_id),
       'withdrawals, their history and the ledger tell different stories: a withdrawal may have been paid, lost or released without the others knowing',
       'stop approvals; verify_ledger(true) names the withdrawals whose entries and status disagree; repair them from a backup with two people reviewing; then SELECT txrelay.reconcile()',
       r.finished_at, r.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       r.domain_counts - 'disagreements' || jsonb_build_object('run_id', r.run_id)
  FROM (SELECT x.* FROM txrelay.reconciliation_runs x  -- the newest run that counted (start-up runs do not)
         WHERE x.finished_at IS NOT NULL AND x.domain_counts IS NOT NULL ORDER BY x.finished_at DESC LIMIT 1) r,
       jsonb_array_elements_text(r.domain_counts -> 'disagreements') d(what)
UNION ALL
SELECT 'critical', 'ledger_verification_failed',
       f.message,
       'SELECT * FROM txrelay.verify_ledger(); SELECT * FROM txrelay.ledger_checkpoint_refusals ORDER BY refusal_id DESC LIMIT 5',
       'the ledger''s entries, totals or checkpoints were changed outside txrelay: balances and the withdrawals paid from them can no longer be trusted',
       'stop approvals; find who changed what (verify_ledger() names the rows); restore those rows from a backup or the replica, with two people reviewing; then SELECT txrelay.take_ledger_checkpoint()',
       f.refused_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('refusal_id', f.refusal_id, 'last_checkpoint', (SELECT version FROM newest_checkpoint))
  FROM (SELECT r.* FROM txrelay.ledger_checkpoint_refusals r ORDER BY r.refusal_id DESC LIMIT 1) f
 WHERE f.version > coalesce((SELECT version FROM newest_checkpoint), 0)
UNION ALL
SELECT 'warning', 'ledger_checkpoint_stale',
       CASE WHEN c.version IS NULL THEN 'no ledger checkpoint has been taken yet'
            ELSE format('the newest ledger checkpoint (version %s) was taken %s ago', c.version,
                        date_trunc('second', clock_timestamp() - c.taken_at)) END,
       'SELECT version, taken_at FROM txrelay.ledger_checkpoints ORDER BY version DESC LIMIT 5; the server log for "ledger checkpoint"',
       'checkpoints prove the ledger step by step: without new ones nothing checks the entries written since the last one, and verify_ledger() reads ever more history',
       'check the tracker runs (worker_not_running) and txrelay.ledger_checkpoint_interval; take one by hand: SELECT txrelay.take_ledger_checkpoint()',
       coalesce(c.taken_at, f.created_at), NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('version', c.version, 'interval', (SELECT checkpoint_interval FROM settings)::text)
  FROM (SELECT 1) one
  LEFT JOIN newest_checkpoint c ON true
  LEFT JOIN LATERAL (SELECT e.created_at FROM txrelay.ledger_entries e ORDER BY e.entry_id LIMIT 1) f ON true
 WHERE (SELECT checkpoint_interval FROM settings) > interval '0'
   AND coalesce(c.taken_at, f.created_at) < clock_timestamp() - 2 * (SELECT checkpoint_interval FROM settings)
UNION ALL
SELECT 'warning', 'ledger_checkpoint_unsigned',
       format('ledger checkpoint %s (taken %s ago) has no signature of the audit address %s', c.version,
              date_trunc('second', clock_timestamp() - c.taken_at), g.address),
       'the server log for "not signed: the audit signer"; SELECT * FROM txrelay.ledger_checkpoint_signer',
       'an unsigned checkpoint vouches only for itself: a superuser who rewrites history and recomputes its hashes would not be caught by verify_ledger()',
       'make the signer reachable (the tracker retries every 30 s) or fix the address with txrelay.set_checkpoint_signer(signer, address); a signature deleted by hand is a security incident',
       c.taken_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('version', c.version, 'audit_address', g.address, 'signer', g.signer)
  FROM txrelay.ledger_checkpoint_signer g
  JOIN txrelay.ledger_checkpoints c ON c.version >= g.from_version
 WHERE c.taken_at < clock_timestamp() - interval '10 minutes'
   AND NOT EXISTS (SELECT FROM txrelay.ledger_checkpoint_signatures s WHERE s.version = c.version)
UNION ALL
SELECT 'critical', 'hot_wallet_low',
       format('hot wallet %s on chain %s: %s (reconciliation run %s)', f.sender, f.chain_id, f.finding ->> 'what', r.run_id),
       format('SELECT report FROM txrelay.reconciliation_runs WHERE run_id = %s', r.run_id),
       'withdrawals of this wallet will fail or wait when its balance runs out: customers are not paid',
       format('top up %s on chain %s (or pause it: txrelay.set_sender_status), then SELECT txrelay.reconcile() to check', f.sender, f.chain_id),
       r.finished_at, f.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('sender', f.sender, 'balance', f.entry ->> 'balance', 'need', f.entry ->> 'need', 'run_id', r.run_id)
  FROM last_run r,
       LATERAL (SELECT (e ->> 'chain_id')::bigint AS chain_id, e ->> 'sender' AS sender, e AS entry, x AS finding
                  FROM jsonb_array_elements(r.report) e, jsonb_array_elements(e -> 'findings') x
                 WHERE x ->> 'kind' = 'balance_low') f
 WHERE r.status = 'done'
UNION ALL
SELECT 'warning', CASE WHEN r.status = 'failed' THEN 'reconciliation_failed' ELSE 'reconciliation_stale' END,
       CASE WHEN r.status = 'failed' THEN format('reconciliation run %s failed: %s', r.run_id, r.error)
            WHEN r.run_id IS NULL THEN 'no reconciliation run has finished yet'
            ELSE format('the last reconciliation run (%s) finished %s ago', r.run_id, date_trunc('second', clock_timestamp() - r.finished_at)) END,
       'SELECT run_id, status, requested_at, finished_at, findings, error FROM txrelay.reconciliation_runs ORDER BY run_id DESC LIMIT 5; SELECT * FROM cron.job',
       'without reconciliation a nonce used outside txrelay, a lost write or an empty hot wallet is found only when a withdrawal fails',
       'schedule it: SELECT cron.schedule(''txrelay-reconcile'', ''*/10 * * * *'', ''SELECT txrelay.reconcile()''); check the tracker runs and the node answers',
       coalesce(r.finished_at, (SELECT min(created_at) FROM txrelay.senders)), NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('run_id', r.run_id, 'threshold', (SELECT reconcile_age FROM settings)::text)
  FROM (SELECT 1) one LEFT JOIN last_run r ON true
 WHERE r.status = 'failed'
    OR ((r.run_id IS NULL OR r.finished_at < clock_timestamp() - (SELECT reconcile_age FROM settings))
        AND EXISTS (SELECT FROM txrelay.senders s WHERE s.created_at < clock_timestamp() - (SELECT reconcile_age FROM settings)))
UNION ALL
SELECT 'warning', 'drops_and_replacements_spike',
       format('%s drops, reorgs and foreign nonces in the last hour (%s), against %s an hour over the day before',
              k.last_hour, k.kinds, round(k.usual::numeric, 1)),
       'SELECT withdrawal_id, event, to_status, reason, created_at FROM txrelay.withdrawal_events WHERE event IN (''dropped'', ''nonce_used_externally'') OR to_status = ''reorged'' ORDER BY event_id DESC LIMIT 50',
       'the node or the network is losing or reordering transactions: confirmations slow down, and a foreign nonce means a key is used elsewhere',
       'check the node''s peers and sync, the fee levels against the market (drops), and any sender_quarantined alert; compare with another endpoint',
       k.first_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('last_hour', k.last_hour, 'usual_per_hour', round(k.usual::numeric, 2), 'min', (SELECT spike_min FROM settings))
  FROM (SELECT count(*) FILTER (WHERE r.last_hour) AS last_hour, count(*) FILTER (WHERE NOT r.last_hour) / 24.0 AS usual,
               min(r.created_at) FILTER (WHERE r.last_hour) AS first_at,
               (SELECT string_agg(x.kind || ' ' || x.n, ', ' ORDER BY x.n DESC) FROM (
                  SELECT coalesce(nullif(r2.event, 'status'), r2.to_status) AS kind, count(*) AS n FROM recent_events r2
                   WHERE r2.last_hour AND (r2.event IN ('dropped', 'nonce_used_externally') OR (r2.event = 'status' AND r2.to_status = 'reorged'))
                   GROUP BY 1) x) AS kinds
          FROM recent_events r
         WHERE r.event IN ('dropped', 'nonce_used_externally') OR (r.event = 'status' AND r.to_status = 'reorged')) k
 WHERE k.last_hour >= (SELECT spike_min FROM settings) AND k.last_hour >= 3 * k.usual
UNION ALL
SELECT 'warning', 'time_to_finalized_rising',
       format('median time from request to finalized was %s s in the last hour (%s withdrawals), against %s s over the day before',
              round(t.now_p50::numeric), t.now_n, round(t.usual_p50::numeric)),
       'SELECT * FROM txrelay.metrics WHERE metric = ''txrelay_time_to_stage_seconds''; the chain_heads age; pending_too_long alerts',
       'customers wait longer for their money; a slow or stalled finality, a lagging tracker or a stuck sender shows here first',
       'check the tracker is keeping up (txrelay_chain_head_age_seconds), the chain''s finality (safe/finalized tags advancing) and stuck nonces',
       clock_timestamp() - interval '1 hour', NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('p50_last_hour_s', round(t.now_p50::numeric, 1), 'p50_day_before_s', round(t.usual_p50::numeric, 1), 'samples', t.now_n)
  FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds) FILTER (WHERE l.last_hour) AS now_p50,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds) FILTER (WHERE NOT l.last_hour) AS usual_p50,
               count(*) FILTER (WHERE l.last_hour) AS now_n, count(*) FILTER (WHERE NOT l.last_hour) AS usual_n
          FROM (SELECT extract(epoch FROM r.created_at - w.created_at) AS seconds, r.last_hour
                  FROM recent_events r JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
                 WHERE r.event = 'status' AND r.to_status = 'finalized') l) t
 WHERE t.now_n >= (SELECT spike_min FROM settings) AND t.usual_n >= (SELECT spike_min FROM settings) AND t.now_p50 > 2 * t.usual_p50
UNION ALL
-- What an endpoint or signer was found unable to do (issue 19, txrelay.capabilities): the cases
-- that stop txrelay from using it as configured, raised minutes after the endpoint or signer is
-- added (the tracker asks within seconds), not when a withdrawal needs it.
SELECT 'critical', 'endpoint_wrong_chain',
       format('RPC endpoint %s (%s) of chain %s serves another chain: %s', e.endpoint_id, e.url_redacted, e.chain_id, k.answer),
       format('SELECT * FROM txrelay.capabilities WHERE endpoint_id = %s', e.endpoint_id),
       'the workers do not use it; if it is the chain''s only endpoint, nothing is sent or followed on the chain',
       format('SELECT txrelay.set_rpc_endpoint(%s, enabled => false); then add one that serves chain %s with txrelay.add_rpc_endpoint(%s, <url>)',
              e.endpoint_id, e.chain_id, e.chain_id),
       k.probed_at, e.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('endpoint_id', e.endpoint_id, 'answer', k.answer)
  FROM txrelay.node_capabilities k JOIN txrelay.rpc_endpoints e ON e.endpoint_id = k.endpoint_id
 WHERE e.enabled AND k.capability = 'serves_chain' AND NOT k.supported
UNION ALL
SELECT 'critical', 'endpoint_without_batches',
       format('RPC endpoint %s (%s) of chain %s refuses JSON-RPC batches: %s', e.endpoint_id, e.url_redacted, e.chain_id, k.answer),
       format('SELECT * FROM txrelay.capabilities WHERE endpoint_id = %s', e.endpoint_id),
       'the workers send several calls per request (receipts, the sends of a round): each such request to it fails and the workers move to the next endpoint, or wait if there is none',
       format('SELECT txrelay.set_rpc_endpoint(%s, enabled => false); then add one that takes batches with txrelay.add_rpc_endpoint(%s, <url>)',
              e.endpoint_id, e.chain_id),
       k.probed_at, e.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('endpoint_id', e.endpoint_id, 'answer', k.answer)
  FROM txrelay.node_capabilities k JOIN txrelay.rpc_endpoints e ON e.endpoint_id = k.endpoint_id
 WHERE e.enabled AND k.capability = 'batches' AND NOT k.supported
UNION ALL
SELECT 'critical', 'signer_cannot_sign',
       format('signer %s (%s) has no eth_signTransaction (%s) and signs for %s', k.signer, g.url_redacted, k.answer,
              (SELECT string_agg(format('%s on chain %s', d.address, d.chain_id), ', ' ORDER BY d.chain_id, d.address)
                 FROM txrelay.senders d WHERE d.signer = k.signer)),
       format('SELECT * FROM txrelay.capabilities WHERE signer = %L', k.signer),
       'no withdrawal from these senders can be signed: each would wait, retry and dead-letter',
       format('point the signer at a service that signs transactions: SELECT txrelay.add_signer(%L, <url>) (asked again within seconds)', k.signer),
       k.probed_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('signer', k.signer, 'answer', k.answer)
  FROM txrelay.node_capabilities k JOIN txrelay.signers g ON g.name = k.signer
 WHERE k.capability = 'sign_transaction' AND NOT k.supported
   AND EXISTS (SELECT FROM txrelay.senders d WHERE d.signer = k.signer)
UNION ALL
SELECT 'warning', 'tags_follow_latest',
       format('on chain %s the finalized tag answers the latest block (endpoint %s: %s) while the chain reads finality by tags',
              c.chain_id, e.endpoint_id, k.answer),
       format('SELECT * FROM txrelay.capabilities WHERE chain_id = %s', c.chain_id),
       'a withdrawal counts as finalized the moment it is in a block: a reorg after that is not covered',
       format('read finality by depth: SELECT txrelay.set_chain(%s, finality_mode => ''depth'', safe_depth => <n>, finalized_depth => <n>); on a chain with instant finality (QBFT, IBFT 2.0) this is expected: set depth mode with 0 to say so', c.chain_id),
       k.probed_at, c.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('endpoint_id', e.endpoint_id, 'answer', k.answer)
  FROM txrelay.chains c JOIN txrelay.rpc_endpoints e ON e.chain_id = c.chain_id AND e.enabled
  JOIN txrelay.node_capabilities k ON k.endpoint_id = e.endpoint_id
 WHERE c.finality_mode = 'tags' AND k.capability = 'finality_lags_latest' AND NOT k.supported
UNION ALL
-- Transactions of our senders the chain holds and the database does not know (issue 20, decision
-- 79): open until a retried withdrawal adopts one or an operator dismisses it.
SELECT 'critical', 'unknown_transaction',
       format('the chain holds transaction %s of sender %s at nonce %s on chain %s (to %s, %s wei) that the database does not know',
              '0x' || encode(u.tx_hash, 'hex'), u.from_address, u.nonce, u.chain_id, u.to_address, u.value),
       format('SELECT * FROM txrelay.unknown_transactions WHERE settled IS NULL; the report of reconciliation run %s', u.found_by_run),
       'a restore to an earlier point forgot a payment the chain made, or the key was used outside txrelay; the sender signs nothing new until every one of its unknown transactions is settled',
       format('if the application retries the forgotten withdrawal with its idempotency key, it lands at this nonce and adopts the transaction: wait for it; otherwise SELECT txrelay.dismiss_unknown_transaction(%s, %L, %s, ''<what it was>'') and book the payment',
              u.chain_id, u.from_address, u.nonce),
       u.found_at, u.chain_id, NULL::uuid, NULL::text, u.chain_id::text || ':' || u.from_address || ':' || u.nonce::text, NULL::uuid,
       '0x' || encode(u.tx_hash, 'hex'),
       jsonb_build_object('sender', u.from_address, 'nonce', u.nonce, 'to', u.to_address, 'value', u.value::text, 'found_by_run', u.found_by_run)
  FROM txrelay.unknown_transactions u
 WHERE u.settled IS NULL
UNION ALL
SELECT 'critical', 'withdrawal_matches_unknown_transaction',
       format('withdrawal %s asks for exactly the payment of transaction %s (sender %s, nonce %s), which the chain holds and the database does not know: it may be paid already',
              w.withdrawal_id, '0x' || encode(u.tx_hash, 'hex'), u.from_address, u.nonce),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT * FROM txrelay.unknown_transactions WHERE tx_hash = %L',
              w.withdrawal_id, '\x' || encode(u.tx_hash, 'hex')),
       'it is held, not signed: signing it would pay the same recipient the same amount again from another nonce',
       format('if it is the forgotten withdrawal, SELECT txrelay.cancel(%L, ''paid by %s'') and book the payment; if it is a new one, SELECT txrelay.dismiss_unknown_transaction(%s, %L, %s, ''<what it was>'')',
              w.withdrawal_id, '0x' || encode(u.tx_hash, 'hex'), u.chain_id, u.from_address, u.nonce),
       s.created_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, NULL::uuid, '0x' || encode(u.tx_hash, 'hex'),
       jsonb_build_object('unknown_sender', u.from_address, 'unknown_nonce', u.nonce)
  FROM txrelay.signature_requests s
  JOIN txrelay.withdrawals w ON w.withdrawal_id = s.withdrawal_id
  JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  JOIN txrelay.unknown_transactions u
    ON u.chain_id = s.chain_id AND u.settled IS NULL AND lower(u.to_address) = lower(s.to_address) AND u.value = s.value
   AND u.data = s.data AND (u.from_address, u.nonce) <> (s.from_address, s.nonce)
 WHERE s.kind = 'withdrawal' AND s.status = 'pending'
$alerts$;
CREATE OR REPLACE VIEW txrelay.alerts AS SELECT * FROM txrelay._alerts();
