-- pg_dump keeps the rows of every table (configuration and history alike). One call per
-- statement: each call rewrites the pg_extension row.
DO $dump$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['chains', 'assets', 'rpc_endpoints', 'signers', 'senders', 'risk_tiers', 'withdrawals',
                           'approvals', 'nonce_reservations', 'signature_requests', 'attempts', 'ledger_accounts',
                           'ledger_entries', 'withdrawal_events', 'outbox', 'rpc_calls', 'chain_heads', 'chain_blocks',
                           'reconciliation_runs', 'ledger_checkpoints', 'ledger_checkpoint_accounts',
                           'ledger_checkpoint_refusals', 'ledger_checkpoint_signer', 'ledger_checkpoint_signatures',
                           'node_capabilities', 'unknown_transactions']
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('txrelay.%I', t)::regclass, '');
  END LOOP;
END
$dump$;
