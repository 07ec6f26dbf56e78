-- txrelay 0.1.0 -> 0.2.0. Every schema change made in sql/src/ since 0.1.0 is made here too, so
-- that an updated database equals a fresh install of 0.2.0 (test/upgrade/upgrade.sh proves it).
-- The Makefile builds sql/txrelay--0.1.0--0.2.0.sql from this file: a line "-- @include FILE"
-- becomes FILE's text (source-set files of functions and views, written CREATE OR REPLACE so
-- that they run on an installed schema too). When 0.2.0 is released the built script is
-- committed and frozen like an install script (docs/operations.md, "Releases and upgrades").

\echo Use "ALTER EXTENSION txrelay UPDATE TO '0.2.0'" to load this file. \quit

-- Status sets: one definition (src/core/status_sets.hpp) for every view, index predicate, alert
-- and metric, instead of the lists each spelled out.
-- @include sql/src/05_status_sets.sql
-- (revoked first, as the install's sweep of every function does, so the ACL reads the same)
REVOKE ALL ON FUNCTION txrelay._status_set(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay._status_set(text) TO PUBLIC;

-- Settings read from the library's one table (no default copied into the SQL).
-- @include sql/src/06_settings.sql
REVOKE ALL ON FUNCTION txrelay._setting(text) FROM PUBLIC;

-- The open-withdrawals index, its predicate now the 'final' set (the same rows as before).
DROP INDEX txrelay.withdrawals_open_status_idx;
CREATE INDEX withdrawals_open_status_idx ON txrelay.withdrawals (status, status_changed_at)
  WHERE status <> ALL (txrelay._status_set('final'));

-- Functions and views that now read the status sets.
-- @include sql/src/52_internal_helpers.sql
-- @include sql/src/54_reconciliation.sql
-- @include sql/src/62_ledger_problems.sql
-- @include sql/src/70_alerts.sql
-- @include sql/src/82_metrics.sql
