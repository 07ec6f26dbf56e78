-- txrelay.metrics and txrelay.prometheus(): the numbers follow what happens (checked as changes
-- against a snapshot taken at the start, since other test files leave committed rows), the
-- exposition text carries exactly the view's samples, and the roles see what they should.
-- (test/e2e/metrics_prometheus.sh parses the text with the Prometheus client library's parser.)
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE before AS SELECT metric, labels, value FROM txrelay.metrics;
CREATE FUNCTION pg_temp.delta(m text, l jsonb) RETURNS float8 LANGUAGE sql AS $$
  SELECT (SELECT value FROM txrelay.metrics WHERE metric = m AND labels = l)
       - coalesce((SELECT value FROM before WHERE metric = m AND labels = l), 0) $$;

SELECT txrelay_test.fixture(120);
SELECT (txrelay.request_withdrawal('metrics-1', 'alice', 120, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id AS w1 \gset
SELECT (txrelay.approve((txrelay.request_withdrawal('metrics-2', 'alice', 120, 'ETH', txrelay_test.dev(2), 2000)).withdrawal_id,
                        gen_random_uuid(), 'metrics-pd-2', 'carol')).withdrawal_id AS w2 \gset
SELECT (txrelay.request_withdrawal('metrics-3', 'alice', 120, 'ETH', txrelay_test.dev(3), 3000)).withdrawal_id AS w3 \gset
SELECT txrelay.reject(:'w3', gen_random_uuid(), 'metrics-pd-3', 'carol', 'address on a deny list');

SELECT is(pg_temp.delta('txrelay_withdrawals_open', '{"status": "requested"}'), 1::float8, 'one more withdrawal waiting for approval');
SELECT (txrelay.request_withdrawal('metrics-1', 'alice', 120, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id = :'w1' AS replay1 \gset
SELECT (txrelay.request_withdrawal('metrics-1', 'alice', 120, 'ETH', txrelay_test.dev(2), 1000)).withdrawal_id = :'w1' AS replay2 \gset
SELECT throws_ok($$SELECT txrelay.request_withdrawal('metrics-1', 'alice', 120, 'ETH', txrelay_test.dev(2), 1001)$$, 'TR001', NULL,
                 'the same key with another amount is a conflict');
SELECT results_eq($$SELECT pg_temp.delta('txrelay_request_withdrawal_calls_total', '{"outcome": "new"}'),
                           pg_temp.delta('txrelay_request_withdrawal_calls_total', '{"outcome": "replay"}'),
                           pg_temp.delta('txrelay_request_withdrawal_calls_total', '{"outcome": "conflict"}')$$,
                  $$VALUES (3::float8, 2::float8, 1::float8)$$,
                  'request_withdrawal calls by outcome (shared-memory counters): 3 new, 2 idempotent replays, 1 conflict');
SELECT is(pg_temp.delta('txrelay_withdrawals_open', '{"status": "approved"}'), 1::float8, 'one more approved');
SELECT is(pg_temp.delta('txrelay_status_changes', '{"to_status": "requested", "window": "1h"}'), 3::float8, 'three requests in the last hour');
SELECT is(pg_temp.delta('txrelay_status_changes', '{"to_status": "rejected", "window": "1h"}'), 1::float8, 'one rejection in the last hour');
SELECT is(pg_temp.delta('txrelay_outbox', '{"status": "pending"}'), 1::float8, 'the approval queued one outbox row');
SELECT is(pg_temp.delta('txrelay_outbox_tries', '{"tries": "0"}'), 1::float8, 'not tried yet');

UPDATE txrelay.outbox SET status = 'dead', tries = 10, last_error = 'signer refused' WHERE withdrawal_id = :'w2';
SELECT is(pg_temp.delta('txrelay_outbox', '{"status": "dead"}'), 1::float8, 'a dead letter is counted');
SELECT is(pg_temp.delta('txrelay_outbox_tries', '{"tries": "4-10"}'), 1::float8, 'with its ten tries');
SELECT ok(pg_temp.delta('txrelay_alerts', '{"severity": "critical"}') >= 1, 'and the open critical alerts count it');
SELECT is(pg_temp.delta('txrelay_alert_open', '{"alert": "dead_letter", "severity": "critical"}'), 1::float8,
          'and txrelay_alert_open counts it under its kind (the series the dead-letter Prometheus rule fires on)');
SELECT set_eq($$SELECT labels ->> 'alert' AS alert, labels ->> 'severity' AS severity FROM txrelay.metrics WHERE metric = 'txrelay_alert_open'$$,
              $$SELECT alert, severity FROM txrelay._alert_kinds()$$,
              'txrelay_alert_open has a series for every alert kind and severity, open or not (0: a healthy series)');

SELECT txrelay.set_sender_status(120, txrelay_test.dev(1), 'quarantined', 'nonce used elsewhere');
SELECT is(pg_temp.delta('txrelay_senders', '{"status": "quarantined"}'), 1::float8, 'a quarantined sender');

INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome)
SELECT gen_random_uuid(), 'http://127.0.0.1:9/metrics', 120, 'eth_blockNumber', '{}', o
  FROM unnest(ARRAY['ok', 'ok', 'ok', 'connect_failed']) o;
SELECT is((SELECT value FROM txrelay.metrics WHERE metric = 'txrelay_rpc_error_ratio' AND labels ->> 'target' = 'http://127.0.0.1:9/metrics'),
          0.25::float8, 'RPC error ratio per endpoint: 1 of 4');
SELECT is((SELECT value FROM txrelay.metrics WHERE metric = 'txrelay_rpc_calls' AND labels = '{"target": "http://127.0.0.1:9/metrics", "outcome": "ok", "window": "1h"}'),
          3::float8, 'RPC calls per endpoint and outcome');

-- The exposition text: every sample of the view, once, with its value; HELP and TYPE per metric.
CREATE TEMP TABLE exposition AS
SELECT (regexp_match(line, '^([a-z_]+)(\{.*\})? (\S+)$')) AS m FROM regexp_split_to_table(txrelay.prometheus(), E'\n') line
 WHERE line <> '' AND line NOT LIKE '#%';
SELECT is_empty($$SELECT metric, labels FROM txrelay.metrics WHERE value IS NULL$$, 'no sample without a value');
SELECT is((SELECT count(*)::int FROM exposition WHERE m IS NULL), 0, 'every sample line is "name{labels} value"');
SELECT is((SELECT count(*)::int FROM exposition), (SELECT count(*)::int FROM txrelay.metrics), 'as many samples as rows in txrelay.metrics');
SELECT is((SELECT m[3] FROM exposition WHERE m[1] = 'txrelay_rpc_error_ratio' AND m[2] = '{target="http://127.0.0.1:9/metrics",window="1h"}'),
          '0.25', 'a sample carries its labels (sorted, quoted) and the view''s value');
SELECT is((SELECT count(*)::int FROM regexp_split_to_table(txrelay.prometheus(), E'\n') line WHERE line LIKE '# TYPE %'),
          (SELECT count(DISTINCT metric)::int FROM txrelay.metrics), 'one TYPE line per metric');

SELECT * FROM finish();
ROLLBACK;
