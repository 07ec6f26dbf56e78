-- Settings (issue 16: defaults and descriptions in one table): the SQL reads every txrelay.*
-- setting through txrelay._setting(), which answers from the library's table; no default is
-- written in the schema.
BEGIN;
SELECT plan(7);

SELECT is(txrelay._setting('alert_pending_age'), '30min', 'a threshold at its default, from the library''s table');
SELECT is(txrelay._setting('tracker_enabled'), current_setting('txrelay.tracker_enabled'),
          'the value in force (this cluster runs with the tracker off)');
SET LOCAL txrelay.alert_spike_min = 7;
SELECT is(txrelay._setting('alert_spike_min'), '7', 'a session SET of an alert threshold is what the alerts read');
SELECT throws_ok($$SELECT txrelay._setting('no_such_setting')$$, '22023', 'name is not a txrelay setting',
                 'an unknown name is 22023 naming the argument');
SELECT throws_ok($$SELECT txrelay._setting(NULL)$$, '22023', NULL, 'NULL is refused');
SELECT is_empty($$SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'txrelay'::regnamespace
                    AND p.prosrc ~ 'current_setting\('$$,
                'no function of the schema reads a txrelay setting around _setting (where a default would be copied)');
SELECT is((SELECT count(*)::int FROM pg_settings WHERE name LIKE 'txrelay.%' AND short_desc IS NOT NULL AND short_desc <> ''),
          (SELECT count(*)::int FROM pg_settings WHERE name LIKE 'txrelay.%'), 'every setting has its description');

SELECT * FROM finish();
ROLLBACK;
