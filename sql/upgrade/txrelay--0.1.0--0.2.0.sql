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

-- Checkpoints signed by an audit key the database does not hold (decision 67): the signer and the
-- signatures (append-only, kept by pg_dump), before the ledger checks below that read them.
-- @include sql/src/33_checkpoint_signatures.sql
CREATE TRIGGER ledger_checkpoint_signatures_append_only BEFORE UPDATE OR DELETE ON txrelay.ledger_checkpoint_signatures
  FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change();
CREATE TRIGGER ledger_checkpoint_signatures_no_truncate BEFORE TRUNCATE ON txrelay.ledger_checkpoint_signatures
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change();
ALTER TABLE txrelay.ledger_checkpoint_signatures ENABLE ALWAYS TRIGGER ledger_checkpoint_signatures_append_only;
ALTER TABLE txrelay.ledger_checkpoint_signatures ENABLE ALWAYS TRIGGER ledger_checkpoint_signatures_no_truncate;
SELECT pg_catalog.pg_extension_config_dump('txrelay.ledger_checkpoint_signer'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump('txrelay.ledger_checkpoint_signatures'::regclass, '');
GRANT SELECT ON txrelay.ledger_checkpoint_signer, txrelay.ledger_checkpoint_signatures TO txrelay_auditor;
-- @include sql/src/67_checkpoint_signing.sql
REVOKE ALL ON FUNCTION txrelay.set_checkpoint_signer(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION txrelay._personal_signer(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.set_checkpoint_signer(text, text) TO txrelay_operator;

-- The open-withdrawals index, its predicate now the 'final' set (the same rows as before).
DROP INDEX txrelay.withdrawals_open_status_idx;
CREATE INDEX withdrawals_open_status_idx ON txrelay.withdrawals (status, status_changed_at)
  WHERE status <> ALL (txrelay._status_set('final'));

-- Functions and views that now read the status sets.
-- @include sql/src/52_internal_helpers.sql
-- @include sql/src/54_reconciliation.sql
-- @include sql/src/61_orphan_rows.sql
REVOKE ALL ON FUNCTION txrelay._orphan_rows(xid8) FROM PUBLIC;
-- @include sql/src/62_ledger_problems.sql
-- @include sql/src/70_alerts.sql
REVOKE ALL ON FUNCTION txrelay._alert_kinds() FROM PUBLIC;
-- @include sql/src/82_metrics.sql

-- Money from nowhere (issue 17): credits belong to the deposit-detection service's role, an
-- on-chain deposit is credited once by its canonical reference, and auto-approval has a rolling
-- 24-hour limit per account and asset (tiers that existed get 10 x their auto-approval limit and
-- 10 withdrawals a day, the defaults of a new tier).
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'txrelay_depositor') THEN
    CREATE ROLE txrelay_depositor NOLOGIN;
  END IF;
END
$roles$;
CREATE FUNCTION txrelay.credit_deposit(account text, chain_id bigint, asset text, amount numeric, tx_hash text, log_index int)
  RETURNS bigint LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_credit_deposit';
REVOKE ALL ON FUNCTION txrelay.credit_deposit(text, bigint, text, numeric, text, int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION txrelay.credit(text, bigint, text, numeric, text) FROM txrelay_app;
GRANT EXECUTE ON FUNCTION
  txrelay.credit(text, bigint, text, numeric, text),
  txrelay.credit_deposit(text, bigint, text, numeric, text, int)
  TO txrelay_depositor;

ALTER TABLE txrelay.risk_tiers ADD COLUMN auto_approve_daily_sum txrelay.wei, ADD COLUMN auto_approve_daily_count int;
UPDATE txrelay.risk_tiers
   SET auto_approve_daily_sum = least(auto_approve_below * 10, 115792089237316195423570985008687907853269984665640564039457584007913129639935),
       auto_approve_daily_count = 10;
ALTER TABLE txrelay.risk_tiers ALTER COLUMN auto_approve_daily_sum SET NOT NULL,
  ALTER COLUMN auto_approve_daily_count SET NOT NULL,
  ADD CONSTRAINT risk_tiers_daily_count_check CHECK (auto_approve_daily_count >= 0);
DROP FUNCTION txrelay.set_risk_tier(text, numeric, text);
CREATE FUNCTION txrelay.set_risk_tier(tier text, auto_approve_below numeric, completion text,
                                      auto_approve_daily_sum numeric DEFAULT NULL, auto_approve_daily_count int DEFAULT NULL)
  RETURNS txrelay.risk_tiers LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_risk_tier';
REVOKE ALL ON FUNCTION txrelay.set_risk_tier(text, numeric, text, numeric, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.set_risk_tier(text, numeric, text, numeric, int) TO txrelay_operator;
CREATE INDEX withdrawals_account_recent_idx ON txrelay.withdrawals (account, chain_id, asset, created_at);

-- Row ownership (issue 17): an application login sees and acts on the withdrawals it requested;
-- those from before the update (requested_by NULL) stay visible to every application login.
ALTER TABLE txrelay.withdrawals ADD COLUMN requested_by text;
ALTER TABLE txrelay.withdrawals ALTER COLUMN requested_by SET DEFAULT session_user;
-- @include sql/src/08_row_ownership.sql
REVOKE ALL ON FUNCTION txrelay._sees_all_withdrawals() FROM PUBLIC;
REVOKE ALL ON FUNCTION txrelay._sees_withdrawal(text) FROM PUBLIC;
-- @include sql/src/57_pending_signature_requests.sql

-- No lock an unrelated role can take on the money path (issue 17): the event feed is held back
-- only by open transactions of roles that may write events.
-- @include sql/src/56_events_feed.sql
REVOKE ALL ON FUNCTION txrelay._event_horizon() FROM PUBLIC;

-- Hostile input (issue 18): decoding a signed transaction is for the roles that handle them.
REVOKE EXECUTE ON FUNCTION txrelay.decode_raw_tx(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.decode_raw_tx(bytea) TO txrelay_app, txrelay_approver, txrelay_operator, txrelay_auditor;

-- Redaction of provider URL shapes (issue 18): the stored redactions are made again by 0.2.0's
-- rules. Rows of txrelay.rpc_calls are append-only and keep the redaction of their time.
-- @include sql/src/11_redact_url.sql
REVOKE ALL ON FUNCTION txrelay._redact_url(text) FROM PUBLIC;
UPDATE txrelay.rpc_endpoints SET url_redacted = txrelay._redact_url(url) WHERE url_redacted <> txrelay._redact_url(url);
UPDATE txrelay.signers SET url_redacted = txrelay._redact_url(url) WHERE url_redacted <> txrelay._redact_url(url);

-- Capabilities, probed (issue 19): what each endpoint and signer says it can do.
-- @include sql/src/12_node_capabilities.sql
SELECT pg_catalog.pg_extension_config_dump('txrelay.node_capabilities'::regclass, '');

-- L2 fees (issue 19): what an OP-stack rollup charges on top of gas used x price, part of the
-- COMMIT (core/rpc/rollup_fee).
ALTER TABLE txrelay.attempts ADD COLUMN rollup_fee txrelay.wei;

-- After a restore (issue 20): identity counters past the restored rows, triggers ALWAYS again,
-- the ledger verified and a checkpoint compared with the archive, in one call.
-- @include sql/src/68_after_restore.sql

-- Transactions the chain holds and the database forgot (issue 20): adopted by the retried
-- withdrawal at their nonce, or dismissed by an operator.
-- @include sql/src/43_unknown_transactions.sql
SELECT pg_catalog.pg_extension_config_dump('txrelay.unknown_transactions'::regclass, '');

-- Batch payouts (issue 23): request_withdrawals and approve_withdrawals, set-based.
-- @include sql/src/51_batch_api.sql
REVOKE ALL ON FUNCTION txrelay._batch_element(text, jsonb, text[], text[]), txrelay._batch_array(text, text, jsonb),
  txrelay._batch_error(text, text, text, text, text, text), txrelay._batch(text, jsonb), txrelay.request_withdrawals(jsonb),
  txrelay.approve_withdrawals(jsonb), txrelay._approve_batch(text[], text[], text[], text[]),
  txrelay._batch_failed_at(), txrelay._request_batch(text[], text[], text[], text[], text[], text[], text[], text[]),
  txrelay._submit_signed_round(text[], text[])
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.request_withdrawals(jsonb) TO txrelay_app;
GRANT EXECUTE ON FUNCTION txrelay.approve_withdrawals(jsonb) TO txrelay_approver;

-- The broadcaster's polls (issue 23): the due jobs and the expired leases each by a partial index
-- of its own, instead of one index of every job in flight that each poll read through.
DROP INDEX txrelay.outbox_ready_idx;
CREATE INDEX outbox_due_idx ON txrelay.outbox (available_at, outbox_id) WHERE status = 'pending';
CREATE INDEX outbox_lease_expiry_idx ON txrelay.outbox (lease_expires_at) WHERE status = 'leased';

-- The status events of a statement in one INSERT from its transition tables (issue 23): the
-- row-level trigger and its function give way to two statement-level triggers.
DROP TRIGGER withdrawals_events ON txrelay.withdrawals;
DROP FUNCTION txrelay._withdrawals_record_event();
-- @include sql/src/41_status_events.sql
REVOKE ALL ON FUNCTION txrelay._withdrawals_record_events() FROM PUBLIC;
