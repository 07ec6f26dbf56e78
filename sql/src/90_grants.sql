-- ---------------------------------------------------------------------------------------------
-- Privileges: applications call functions; only the extension owner writes tables.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON ALL TABLES IN SCHEMA txrelay FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA txrelay FROM PUBLIC;
GRANT USAGE ON SCHEMA txrelay TO PUBLIC;
GRANT USAGE ON TYPE txrelay.wei TO PUBLIC;
GRANT USAGE ON TYPE txrelay.rpc_endpoint_settings TO PUBLIC;

GRANT EXECUTE ON FUNCTION txrelay.state_transitions() TO PUBLIC;
-- Decoding costs memory and time (bounded: 128 KiB, 8,192 RLP items): for the roles that handle
-- signed transactions, not for any login (issue 18).
GRANT EXECUTE ON FUNCTION txrelay.decode_raw_tx(bytea) TO txrelay_app, txrelay_approver, txrelay_operator, txrelay_auditor;
-- The status sets fold into constants when any role plans a query on withdrawals (its partial
-- index's predicate calls it), so every role must be able to execute it; it reads nothing.
GRANT EXECUTE ON FUNCTION txrelay._status_set(text) TO PUBLIC;

-- Money comes in only through the deposit-detection service's role, never the application's.
GRANT EXECUTE ON FUNCTION
  txrelay.credit(text, bigint, text, numeric, text),
  txrelay.credit_deposit(text, bigint, text, numeric, text, int)
  TO txrelay_depositor;

GRANT EXECUTE ON FUNCTION
  txrelay.balance(text, bigint, text),
  txrelay.request_withdrawal(text, text, bigint, text, text, numeric, text, jsonb),
  txrelay.request_withdrawals(jsonb),
  txrelay.submit_signed(uuid, bytea),
  txrelay.pending_signature_requests(bigint),
  txrelay.events_since(text, int),
  txrelay.cancel(uuid, text)
  TO txrelay_app;

GRANT EXECUTE ON FUNCTION
  txrelay.approve(uuid, uuid, text, text),
  txrelay.approve_withdrawals(jsonb),
  txrelay.reject(uuid, uuid, text, text, text)
  TO txrelay_approver;

GRANT EXECUTE ON FUNCTION
  txrelay.add_chain(bigint, text, text, int),
  txrelay.set_chain(bigint, numeric, numeric, bigint, text, int, int),
  txrelay.add_rpc_endpoint(bigint, text, int),
  txrelay.set_rpc_endpoint(bigint, boolean, int, int, int, int),
  txrelay.add_signer(text, text),
  txrelay.add_sender(bigint, text, text, bigint),
  txrelay.set_sender_status(bigint, text, text, text),
  txrelay.add_asset(bigint, text, text, int),
  txrelay.set_risk_tier(text, numeric, text, numeric, int),
  txrelay.reconcile(bigint),
  txrelay.take_ledger_checkpoint(),
  txrelay.set_checkpoint_signer(text, text),
  txrelay.cancel(uuid, text),
  txrelay.requeue_dead(bigint)
  TO txrelay_operator;

-- Auditors read everything but the secrets in endpoint and signer URLs.
GRANT EXECUTE ON FUNCTION
  txrelay.withdrawal_timeline(uuid),
  txrelay.events_since(text, int),
  txrelay.prometheus(),
  txrelay.verify_ledger(boolean),
  txrelay.balance(text, bigint, text)
  TO txrelay_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA txrelay TO txrelay_auditor;
GRANT SELECT ON txrelay.alerts, txrelay.metrics TO txrelay_operator;
-- Called inside txrelay.alerts, whose readers need to execute it.
GRANT EXECUTE ON FUNCTION txrelay._last_attempt(uuid), txrelay._alerts(), txrelay._metrics() TO txrelay_operator, txrelay_auditor;
REVOKE SELECT ON txrelay.rpc_endpoints, txrelay.signers FROM txrelay_auditor;
GRANT SELECT (endpoint_id, chain_id, url_redacted, priority, connect_timeout_ms, request_timeout_ms,
              max_requests_per_sec, enabled, created_at) ON txrelay.rpc_endpoints TO txrelay_auditor;
GRANT SELECT (name, url_redacted, created_at, updated_at) ON txrelay.signers TO txrelay_auditor;
