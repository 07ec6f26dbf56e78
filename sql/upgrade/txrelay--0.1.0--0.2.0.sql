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

-- The cancel race (decision 66): which signed transactions pay (a C function over core's rule),
-- gap fillers that name the attempt they replace and the fees to outbid, and the index of the
-- alert paid_after_release.
-- @include sql/src/07_payment_call.sql
REVOKE ALL ON FUNCTION txrelay._pays(text, text, numeric, bytea) FROM PUBLIC;
ALTER TABLE txrelay.signature_requests DROP CONSTRAINT signature_requests_fee_bump_check;
ALTER TABLE txrelay.signature_requests ADD CONSTRAINT signature_requests_replacement_check CHECK (
    (replaces_attempt_id IS NULL) = (min_max_fee_per_gas IS NULL)
    AND (replaces_attempt_id IS NULL) = (min_max_priority_fee_per_gas IS NULL)
    AND CASE kind WHEN 'fee_bump' THEN replaces_attempt_id IS NOT NULL
                  WHEN 'withdrawal' THEN replaces_attempt_id IS NULL
                  ELSE true END);
CREATE INDEX withdrawal_events_paid_after_release_idx ON txrelay.withdrawal_events (withdrawal_id)
  WHERE event = 'paid_after_release';

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
