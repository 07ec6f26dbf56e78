-- ---------------------------------------------------------------------------------------------
-- Triggers (C++, src/api): ENABLE ALWAYS, so that session_replication_role = replica does not
-- switch them off either.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION txrelay._refuse_history_change() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_refuse_history_change';
CREATE FUNCTION txrelay._withdrawals_check() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_withdrawals_check';
CREATE FUNCTION txrelay._ledger_entries_post() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_ledger_entries_post';
CREATE FUNCTION txrelay._wake_workers() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_wake_workers';
CREATE FUNCTION txrelay._ledger_accounts_guard() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_ledger_accounts_guard';

DO $triggers$
DECLARE
  t text;
BEGIN
  -- Append-only history: no UPDATE, DELETE or TRUNCATE, for any role.
  FOREACH t IN ARRAY ARRAY['ledger_entries', 'withdrawal_events', 'rpc_calls', 'approvals', 'nonce_reservations',
                           'ledger_checkpoints', 'ledger_checkpoint_accounts', 'ledger_checkpoint_refusals',
                           'ledger_checkpoint_signatures']
  LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON txrelay.%I FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_append_only', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON txrelay.%I FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_truncate', t);
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_append_only');
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_truncate');
  END LOOP;
  -- Rows whose status moves but which are never removed.
  FOREACH t IN ARRAY ARRAY['withdrawals', 'signature_requests', 'attempts', 'ledger_accounts', 'reconciliation_runs']
  LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE DELETE ON txrelay.%I FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_delete', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON txrelay.%I FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_truncate', t);
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_delete');
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_truncate');
  END LOOP;
END
$triggers$;

-- The state machine (DESIGN §4): initial status, allowed transitions, immutable request fields.
CREATE TRIGGER withdrawals_state_machine BEFORE INSERT OR UPDATE ON txrelay.withdrawals
  FOR EACH ROW EXECUTE FUNCTION txrelay._withdrawals_check();
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_state_machine;
-- Every ledger entry: pairing and balance rules, account totals, hash chain.
CREATE TRIGGER ledger_entries_post BEFORE INSERT ON txrelay.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION txrelay._ledger_entries_post();
ALTER TABLE txrelay.ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_post;
-- Queued work wakes the broadcaster at commit (DESIGN §5), whoever queued it.
CREATE TRIGGER outbox_wake_workers AFTER INSERT OR UPDATE ON txrelay.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._wake_workers();
ALTER TABLE txrelay.outbox ENABLE ALWAYS TRIGGER outbox_wake_workers;
-- Account totals are written by that trigger only.
CREATE TRIGGER ledger_accounts_guard BEFORE INSERT OR UPDATE ON txrelay.ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION txrelay._ledger_accounts_guard();
ALTER TABLE txrelay.ledger_accounts ENABLE ALWAYS TRIGGER ledger_accounts_guard;
