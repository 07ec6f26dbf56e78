-- txrelay.reconcile() queues a run without waiting on the chain, never two at once; the alerts
-- that read the runs: a hot wallet below its needs, a failed run, no run for too long. The runs
-- themselves (the tracker reading the chain, quarantining) are tested on anvil with pg_cron in
-- test/e2e/reconcile_cron.sh.
BEGIN;
SELECT plan(22);

SELECT txrelay_test.fixture(130);
SELECT is_empty($$SELECT * FROM txrelay.reconciliation_runs WHERE status IN ('requested', 'running')$$, 'no run is open');

SELECT txrelay.reconcile() AS run \gset
SELECT results_eq(format($$SELECT status, requested_by = session_user, started_at IS NULL FROM txrelay.reconciliation_runs WHERE run_id = %s$$, :run),
                  $$VALUES ('requested', true, true)$$, 'reconcile() queues a run and returns at once');
SELECT is(txrelay.reconcile(), :run::bigint, 'asked again while it waits: the same run, not a second one');
UPDATE txrelay.reconciliation_runs SET status = 'running', started_at = now() WHERE run_id = :run;
SELECT is(txrelay.reconcile(), :run::bigint, 'nor while it runs');
SELECT isnt(txrelay.reconcile(130), :run::bigint, 'a run of one chain is another scope: its own run');
SELECT is(txrelay.reconcile(130), (SELECT run_id FROM txrelay.reconciliation_runs WHERE chain_id = 130 AND status = 'requested'),
          'and is not queued twice either');
SELECT throws_ok($$SELECT txrelay.reconcile(999999)$$, 'TR009', NULL, 'an unknown chain is TR009');
UPDATE txrelay.reconciliation_runs SET status = 'failed', started_at = now(), finished_at = now() - interval '1 hour', error = 'test'
 WHERE chain_id = 130;  -- out of the way of the checks below
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'SELECT txrelay.reconcile()')$$, 'operators may ask for a run');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT txrelay.reconcile()')$$, '42501', NULL, 'the application may not');

-- A finished run that found a hot wallet short of funds (as the tracker writes it).
UPDATE txrelay.reconciliation_runs SET status = 'done', finished_at = now(), findings = 1, report = jsonb_build_array(jsonb_build_object(
         'chain_id', 130, 'sender', txrelay_test.dev(0), 'balance', '5', 'need', '1000',
         'findings', jsonb_build_array(jsonb_build_object('kind', 'balance_low', 'quarantine', false,
                                                          'what', 'balance 5 wei is below the 1000 wei its open withdrawals need'))))
 WHERE run_id = :run;
SELECT results_eq($$SELECT severity, details ->> 'sender', details ->> 'balance', details ->> 'need', what LIKE '%below the 1000 wei%'
                      FROM txrelay.alerts WHERE alert = 'hot_wallet_low' AND chain_id = 130$$,
                  format($$VALUES ('critical', %L, '5', '1000', true)$$, txrelay_test.dev(0)),
                  'hot_wallet_low: critical, naming the wallet, its balance and what its open withdrawals need');
SELECT is((SELECT value FROM txrelay.metrics WHERE metric = 'txrelay_reconciliation_findings'), 1::float8, 'the metrics count the findings');
SELECT ok((SELECT value FROM txrelay.metrics WHERE metric = 'txrelay_reconciliation_age_seconds') < 60, 'and the age of the last run');

-- The next run finds it topped up: the alert clears.
SELECT txrelay.reconcile() AS run2 \gset
UPDATE txrelay.reconciliation_runs SET status = 'done', started_at = now(), finished_at = now() + interval '1 second', findings = 0,
       report = jsonb_build_array(jsonb_build_object('chain_id', 130, 'sender', txrelay_test.dev(0), 'balance', '5000', 'need', '1000', 'findings', '[]'::jsonb))
 WHERE run_id = :run2;
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'hot_wallet_low' AND chain_id = 130$$, 'a later run without the finding clears it');

-- A failed run, and none for longer than txrelay.alert_reconcile_age.
SELECT txrelay.reconcile() AS run3 \gset
UPDATE txrelay.reconciliation_runs SET status = 'failed', started_at = now(), finished_at = now() + interval '2 seconds',
       error = 'chain 130: cannot read the senders'' nonces and balances (connect_failed)' WHERE run_id = :run3;
UPDATE txrelay.senders SET created_at = now() - interval '2 days' WHERE chain_id = 130;
SELECT results_eq($$SELECT severity, what LIKE '%connect_failed%' FROM txrelay.alerts WHERE alert = 'reconciliation_failed'$$,
                  $$VALUES ('warning', true)$$, 'the last run failed: a warning with its error');
SET LOCAL txrelay.alert_reconcile_age = '60s';
UPDATE txrelay.reconciliation_runs SET status = 'done', error = NULL, finished_at = now() - interval '5 minutes',
       started_at = now() - interval '5 minutes' WHERE run_id IN (:run, :run2, :run3);
SELECT ok((SELECT what LIKE '%finished%ago%' AND what_to_do LIKE '%cron.schedule%' FROM txrelay.alerts WHERE alert = 'reconciliation_stale'),
          'no run within txrelay.alert_reconcile_age: reconciliation_stale says how to schedule it');

-- Domain counts: the withdrawals' statuses, their creation events and the ledger agree.
SELECT txrelay.request_withdrawal('dc-open', 'alice', 130, 'ETH', txrelay_test.dev(2), 10) IS NOT NULL AS r1 \gset
SELECT txrelay.cancel((txrelay.request_withdrawal('dc-cancelled', 'alice', 130, 'ETH', txrelay_test.dev(2), 11)).withdrawal_id, 'test')
       IS NOT NULL AS r2 \gset
SELECT is(txrelay._domain_counts(130) - 'chain_id',
          '{"requested": 2, "completed": 0, "ended_unpaid": 1, "in_flight": 1, "reserve_entries": 2, "commit_entries": 0,
            "release_entries": 1, "open_reservations": 1, "paid_after_release": 0, "disagreements": []}'::jsonb,
          'domain counts of a consistent database: requested = completed + ended unpaid + in flight, and the ledger agrees');
SAVEPOINT counts;
ALTER TABLE txrelay.withdrawals DISABLE TRIGGER withdrawals_state_machine;
UPDATE txrelay.withdrawals SET status = 'cancelled' WHERE idempotency_key = 'dc-open';
SELECT is(txrelay._domain_counts(130) -> 'disagreements',
          '["RELEASE entries (1) <> rejected, cancelled, failed or replaced externally (2)", "open reservations (1) <> in flight (0)"]'::jsonb,
          'a withdrawal cancelled by hand without its RELEASE: two counts disagree');
ROLLBACK TO SAVEPOINT counts;
ALTER TABLE txrelay.withdrawal_events DISABLE TRIGGER withdrawal_events_append_only;
DELETE FROM txrelay.withdrawal_events e USING txrelay.withdrawals w
 WHERE w.withdrawal_id = e.withdrawal_id AND w.idempotency_key = 'dc-open' AND e.from_status IS NULL;
SELECT is(txrelay._domain_counts(130) -> 'disagreements',
          '["requested (1 creation events) <> completed (0) + ended unpaid (1) + in flight (1)", "RESERVE entries (2) <> requested (1)"]'::jsonb,
          'a withdrawal whose creation left no event: requested disagrees with the rest');
ROLLBACK TO SAVEPOINT counts;
SELECT is(txrelay._domain_counts(NULL) -> 'disagreements', '[]'::jsonb, 'and all chains together agree');

-- The run stores them; the alert shows each disagreement of the last finished run.
SELECT txrelay.reconcile() AS run4 \gset
UPDATE txrelay.reconciliation_runs SET status = 'done', started_at = now(), finished_at = now() + interval '3 seconds', findings = 1,
       report = '[]', domain_counts = '{"requested": 3, "completed": 1, "ended_unpaid": 0, "in_flight": 1,
         "disagreements": ["requested (3 creation events) <> completed (1) + ended unpaid (0) + in flight (1)"]}'
 WHERE run_id = :run4;
SELECT results_eq($$SELECT severity, what, details ->> 'requested' FROM txrelay.alerts WHERE alert = 'domain_counts_disagree'$$,
                  format($$VALUES ('critical', 'reconciliation run %s: requested (3 creation events) <> completed (1) + ended unpaid (0) + in flight (1)', '3')$$, :run4),
                  'domain_counts_disagree: critical, with the counts');
-- A broadcaster's start-up run finished since does not count the domain (decision 59): it
-- neither clears the alert nor hides it.
INSERT INTO txrelay.reconciliation_runs (requested_by, chain_id, status, started_at, finished_at, findings, report)
VALUES ('txrelay broadcaster start-up', 130, 'done', now(), now() + interval '3.5 seconds', 0, '[]');
SELECT results_eq($$SELECT what FROM txrelay.alerts WHERE alert = 'domain_counts_disagree'$$,
                  format($$VALUES ('reconciliation run %s: requested (3 creation events) <> completed (1) + ended unpaid (0) + in flight (1)')$$, :run4),
                  'a newer start-up run (no domain counts) leaves the alert of the last run that counted');
SELECT txrelay.reconcile() AS run5 \gset
UPDATE txrelay.reconciliation_runs SET status = 'done', started_at = now(), finished_at = now() + interval '4 seconds', findings = 0,
       report = '[]', domain_counts = txrelay._domain_counts(NULL) WHERE run_id = :run5;
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE alert = 'domain_counts_disagree'$$, 'a later run where they agree clears it');

SELECT * FROM finish();
ROLLBACK;
