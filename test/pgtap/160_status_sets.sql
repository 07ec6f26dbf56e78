-- Status sets (DESIGN §10: a status set is defined once): txrelay._status_set() is the one
-- definition, derived from the transition table, and no view, function, index predicate or
-- constraint of the schema spells out a list of withdrawal statuses of its own.
BEGIN;
SELECT plan(14);

CREATE TEMP VIEW table_statuses AS
  SELECT from_status AS status FROM txrelay.state_transitions() UNION SELECT to_status FROM txrelay.state_transitions();

SELECT set_eq($$SELECT unnest(txrelay._status_set('all'))$$, $$SELECT status FROM table_statuses$$,
              'all: exactly the statuses of the transition table');
SELECT set_eq($$SELECT unnest(txrelay._status_set('final'))$$,
              $$SELECT status FROM table_statuses EXCEPT SELECT from_status FROM txrelay.state_transitions()$$,
              'final: the statuses no transition leaves');
SELECT set_eq($$SELECT unnest(txrelay._status_set('in_flight'))$$,
              $$SELECT status FROM table_statuses EXCEPT SELECT unnest(txrelay._status_set('final'))$$,
              'in_flight: the others');
SELECT set_eq($$SELECT unnest(txrelay._status_set('ended_unpaid')) UNION SELECT 'finalized'$$,
              $$SELECT unnest(txrelay._status_set('final'))$$, 'ended_unpaid and finalized make up final');
SELECT set_eq($$SELECT unnest(txrelay._status_set('tracked'))$$,
              ARRAY['signed', 'broadcasted', 'included', 'safe', 'reorged', 'cancelling'], 'tracked: signed until final');
SELECT set_eq($$SELECT unnest(txrelay._status_set('awaiting_inclusion'))$$, ARRAY['broadcasted', 'reorged', 'cancelling'],
              'awaiting_inclusion: sent, not in a block');
SELECT throws_ok($$SELECT txrelay._status_set('Final')$$, '22023', 'set_name is not a status set',
                 'an unknown set name is 22023 naming the argument');
SELECT throws_ok($$SELECT txrelay._status_set(NULL)$$, '22023', NULL, 'NULL is refused, not a silent NULL');

-- No list of two or more withdrawal statuses outside the one definition. Constraints of other
-- tables are not looked at (their own states share names: a signature request is 'signed', a
-- tier completes at 'safe'). One deliberate exception: the events of the spike alerts and finality
-- times ('reorged', 'finalized'), whose index predicate and queries must spell the same.
CREATE TEMP VIEW schema_text AS
  SELECT 'function ' || p.proname AS what, p.prosrc AS body FROM pg_proc p WHERE p.pronamespace = 'txrelay'::regnamespace
  UNION ALL SELECT 'view ' || c.relname, pg_get_viewdef(c.oid) FROM pg_class c
   WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'v'
  UNION ALL SELECT 'index ' || c.relname, pg_get_indexdef(c.oid) FROM pg_class c
   WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'i'
  UNION ALL SELECT 'constraint ' || k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
   WHERE k.conrelid = 'txrelay.withdrawals'::regclass;
SELECT is_empty($$
  SELECT what, m[1] FROM schema_text,
         regexp_matches(body, '''(requested|approved|signed|broadcasted|included|safe|finalized|reorged|failed|rejected|cancelled|replaced_externally)''(::text)?\s*,\s*''(requested|approved|signed|broadcasted|included|safe|finalized|reorged|failed|rejected|cancelled|replaced_externally)''', 'g') m
   WHERE NOT (m[1] = 'reorged' AND m[3] = 'finalized')$$,
  'no view, function, index or constraint spells out a list of statuses');

-- The rule can fail: a list written out is found.
CREATE FUNCTION pg_temp.tmp_list() RETURNS boolean LANGUAGE sql AS $$ SELECT 'x' IN ('signed', 'broadcasted') $$;
SELECT ok(EXISTS (SELECT FROM pg_proc p WHERE p.proname = 'tmp_list'
                   AND p.prosrc ~ '''(signed|broadcasted)''\s*,\s*''(signed|broadcasted)'''),
          'the pattern finds a list spelled out (checked on a temporary function)');

-- Folded at plan time: the partial index of open withdrawals serves a query that says the same.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN ' || query LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $$;
SET LOCAL enable_seqscan = off;
SELECT matches(pg_temp.plan_of($q$SELECT count(*) FROM txrelay.withdrawals WHERE status <> ALL (txrelay._status_set('final'))$q$),
               'withdrawals_open_status_idx', 'a query on the final set uses withdrawals_open_status_idx');
RESET enable_seqscan;

SELECT ok(has_function_privilege('txrelay_auditor', 'txrelay._status_set(text)', 'EXECUTE'),
          'every role can execute it: the index predicate calls it when any role plans a query on withdrawals');
SELECT ok(has_function_privilege('txrelay_app', 'txrelay._status_set(text)', 'EXECUTE'), 'the application role too');
SELECT is(provolatile, 'i', 'it is IMMUTABLE (the planner folds it)') FROM pg_proc
 WHERE oid = 'txrelay._status_set(text)'::regprocedure;

SELECT * FROM finish();
ROLLBACK;
