-- The shape DESIGN §3 and §4a promise: tables, named constraints, SECURITY DEFINER functions
-- with a pinned search_path, always-enabled triggers, the four roles, no direct writes.
BEGIN;
SELECT plan(18);

SELECT has_extension('txrelay');
SELECT tables_are('txrelay', ARRAY[
  'chains', 'assets', 'rpc_endpoints', 'signers', 'senders', 'risk_tiers', 'withdrawals', 'approvals',
  'nonce_reservations', 'signature_requests', 'attempts', 'ledger_accounts', 'ledger_entries',
  'withdrawal_events', 'outbox', 'rpc_calls', 'chain_heads', 'chain_blocks', 'reconciliation_runs',
  'ledger_checkpoints', 'ledger_checkpoint_accounts', 'ledger_checkpoint_refusals', 'ledger_checkpoint_signer',
  'ledger_checkpoint_signatures', 'node_capabilities', 'unknown_transactions']);

-- Every constraint has the name the docs and the code refer to.
SELECT set_eq($$SELECT conname::text FROM pg_constraint WHERE connamespace = 'txrelay'::regnamespace$$, ARRAY[
  'approvals_decision_check', 'approvals_pkey', 'approvals_policy_decision_id_key', 'approvals_withdrawal_id_fkey',
  'approvals_withdrawal_id_key', 'assets_chain_id_fkey', 'assets_contract_key', 'assets_decimals_check', 'assets_pkey',
  'attempts_inclusion_check', 'attempts_nonce_fkey', 'attempts_pkey', 'chain_blocks_chain_id_fkey', 'chain_blocks_pkey',
  'chain_heads_chain_id_fkey', 'chain_heads_pkey', 'signature_requests_replacement_check', 'signature_requests_replaces_attempt_id_fkey', 'attempts_signature_request_id_fkey', 'attempts_signature_request_id_key',
  'attempts_status_check', 'attempts_tx_hash_check', 'attempts_tx_hash_key', 'attempts_tx_type_check',
  'attempts_withdrawal_id_fkey', 'chains_chain_id_check', 'chains_depth_check', 'chains_fee_caps_check',
  'chains_finality_mode_check', 'chains_max_gas_limit_check', 'chains_name_key', 'chains_native_decimals_check', 'chains_pkey',
  'ledger_accounts_asset_fkey', 'ledger_accounts_available_check', 'ledger_accounts_pkey', 'ledger_entries_account_fkey',
  'ledger_entries_amount_check', 'ledger_entries_hash_check', 'ledger_entries_kind_check', 'ledger_entries_pkey',
  'ledger_entries_reference_key', 'ledger_entries_shape_check', 'ledger_entries_withdrawal_id_fkey',
  'nonce_reservations_nonce_check', 'nonce_reservations_pkey', 'nonce_reservations_sender_fkey',
  'nonce_reservations_withdrawal_id_fkey', 'nonce_reservations_withdrawal_id_key', 'outbox_attempt_id_fkey',
  'outbox_chain_id_fkey', 'outbox_kind_check', 'outbox_pkey', 'outbox_signature_request_id_fkey', 'outbox_status_check',
  'outbox_tries_check', 'outbox_withdrawal_id_fkey', 'risk_tiers_completion_level_check', 'risk_tiers_confirmations_check',
  'risk_tiers_pkey', 'risk_tiers_daily_count_check', 'ledger_checkpoint_signer_pkey', 'ledger_checkpoint_signer_singleton_check',
  'ledger_checkpoint_signer_signer_fkey', 'ledger_checkpoint_signatures_pkey', 'ledger_checkpoint_signatures_version_fkey',
  'ledger_checkpoint_signatures_length_check', 'rpc_calls_endpoint_id_fkey', 'rpc_calls_outcome_check', 'rpc_calls_pkey', 'rpc_endpoints_chain_id_fkey',
  'rpc_endpoints_chain_url_key', 'rpc_endpoints_pkey', 'rpc_endpoints_rate_check', 'rpc_endpoints_timeouts_check',
  'senders_chain_id_fkey', 'senders_next_nonce_check', 'senders_pkey', 'senders_signer_fkey', 'senders_status_check',
  'signature_requests_kind_check', 'signature_requests_nonce_fkey', 'signature_requests_pkey',
  'signature_requests_status_check', 'signature_requests_withdrawal_id_fkey', 'signers_pkey', 'wei_range_check',
  'withdrawal_events_pkey', 'withdrawal_events_withdrawal_id_fkey', 'withdrawals_amount_check', 'withdrawals_asset_fkey',
  'withdrawals_fingerprint_check', 'withdrawals_idempotency_key_key', 'withdrawals_metadata_check', 'withdrawals_pkey',
  'withdrawals_risk_tier_fkey', 'reconciliation_runs_pkey', 'reconciliation_runs_status_check', 'reconciliation_runs_chain_id_fkey',
  'reconciliation_runs_finished_check', 'ledger_checkpoints_pkey', 'ledger_checkpoints_version_check',
  'ledger_checkpoints_chain_check', 'ledger_checkpoints_hash_check', 'ledger_checkpoint_accounts_pkey',
  'ledger_checkpoint_accounts_version_fkey', 'ledger_checkpoint_accounts_account_fkey',
  'ledger_checkpoint_accounts_entry_count_check', 'ledger_checkpoint_accounts_hash_check',
  'ledger_checkpoint_refusals_pkey', 'node_capabilities_key', 'node_capabilities_one_target_check',
  'node_capabilities_capability_check', 'node_capabilities_endpoint_id_fkey', 'node_capabilities_signer_fkey',
  'unknown_transactions_pkey', 'unknown_transactions_tx_hash_key', 'unknown_transactions_sender_fkey',
  'unknown_transactions_found_by_run_fkey', 'unknown_transactions_withdrawal_id_fkey', 'unknown_transactions_attempt_id_fkey',
  'unknown_transactions_nonce_check', 'unknown_transactions_settled_check'],
  'every constraint has its documented name');

-- The partial unique indexes that carry invariants.
SELECT index_is_unique('txrelay', 'ledger_entries', 'ledger_entries_reserve_once_key');
SELECT index_is_unique('txrelay', 'ledger_entries', 'ledger_entries_resolve_once_key');
SELECT index_is_unique('txrelay', 'assets', 'assets_one_native_per_chain_key');

SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'txrelay'::regnamespace AND NOT p.prosecdef$$,
                'every txrelay function is SECURITY DEFINER');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'txrelay'::regnamespace
                     AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c = 'search_path=pg_catalog, pg_temp')$$,
                'every txrelay function pins search_path');
SELECT is_empty($$SELECT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                   WHERE c.relnamespace = 'txrelay'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'$$,
                'every txrelay trigger is ENABLE ALWAYS (session_replication_role cannot switch it off)');

SELECT has_role('txrelay_app');
SELECT has_role('txrelay_approver');
SELECT has_role('txrelay_operator');
SELECT has_role('txrelay_auditor');

-- Only the extension owner writes tables: no role (nor PUBLIC) holds a write privilege.
SELECT is_empty($$
  SELECT r || ' ' || p || ' ' || c.relname
    FROM unnest(ARRAY['txrelay_app', 'txrelay_approver', 'txrelay_operator', 'txrelay_auditor', 'public']) r,
         pg_class c, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
   WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'r' AND has_table_privilege(r, c.oid, p)$$,
  'no role but the owner can write a txrelay table');
SELECT set_eq($$SELECT p.proname::text FROM pg_proc p
                WHERE p.pronamespace = 'txrelay'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
              ARRAY['state_transitions', '_status_set'],
              'PUBLIC may execute only state_transitions and _status_set (they read nothing)');

SELECT is((SELECT cardinality(extconfig) FROM pg_extension WHERE extname = 'txrelay'), 26,
          'pg_dump keeps the rows of all 26 tables');

-- The install script runs again when the roles already exist (drop and re-create).
SELECT lives_ok($$DROP EXTENSION txrelay CASCADE$$, 'the extension drops');
SELECT lives_ok($$CREATE EXTENSION txrelay$$, 'and installs again with the roles already there');

SELECT * FROM finish();
ROLLBACK;
