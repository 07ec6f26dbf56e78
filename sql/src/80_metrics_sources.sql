-- Indexes that keep the metrics view cheap at any table size: it reads recent rows by time and
-- open rows through partial indexes, never whole histories.
CREATE INDEX withdrawal_events_created_idx ON txrelay.withdrawal_events (created_at);
-- The events the spike alerts compare over a day (a small share of all events).
CREATE INDEX withdrawal_events_spike_idx ON txrelay.withdrawal_events (created_at)
  WHERE event IN ('dropped', 'nonce_used_externally') OR to_status IN ('reorged', 'finalized');

-- request_withdrawal() calls since the server started, by outcome (shared-memory counters: a
-- replay writes nothing to count). NULLs without shared_preload_libraries.
CREATE FUNCTION txrelay._request_counts(OUT new_requests bigint, OUT replays bigint, OUT conflicts bigint)
  RETURNS record LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_request_counts';
