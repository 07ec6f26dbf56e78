-- ---------------------------------------------------------------------------------------------
-- SQL API (DESIGN §4a). C++ bodies in src/api; all SECURITY DEFINER, search_path pinned.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION txrelay.add_chain(chain_id bigint, name text, native_symbol text DEFAULT 'ETH', native_decimals int DEFAULT 18)
  RETURNS txrelay.chains LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_add_chain';

CREATE FUNCTION txrelay.add_rpc_endpoint(chain_id bigint, url text, priority int DEFAULT 0)
  RETURNS bigint LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_add_rpc_endpoint';

-- An endpoint's settings as operators see them: everything but the URL, which may hold a key.
CREATE TYPE txrelay.rpc_endpoint_settings AS (
  endpoint_id bigint, chain_id bigint, url_redacted text, enabled boolean, priority int,
  connect_timeout_ms int, request_timeout_ms int, max_requests_per_sec int);

CREATE FUNCTION txrelay.set_chain(chain_id bigint, max_fee_per_gas_cap numeric DEFAULT NULL,
                                  max_priority_fee_cap numeric DEFAULT NULL, max_gas_limit bigint DEFAULT NULL,
                                  finality_mode text DEFAULT NULL, safe_depth int DEFAULT NULL,
                                  finalized_depth int DEFAULT NULL)
  RETURNS txrelay.chains LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_chain';

CREATE FUNCTION txrelay.set_rpc_endpoint(endpoint_id bigint, enabled boolean DEFAULT NULL, priority int DEFAULT NULL,
                                         connect_timeout_ms int DEFAULT NULL, request_timeout_ms int DEFAULT NULL,
                                         max_requests_per_sec int DEFAULT NULL)
  RETURNS txrelay.rpc_endpoint_settings LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_rpc_endpoint';

CREATE FUNCTION txrelay.add_signer(name text, url text)
  RETURNS void LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_add_signer';

CREATE FUNCTION txrelay.add_sender(chain_id bigint, address text, signer text DEFAULT NULL, next_nonce bigint DEFAULT NULL)
  RETURNS txrelay.senders LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_add_sender';

CREATE FUNCTION txrelay.set_sender_status(chain_id bigint, address text, status text, reason text)
  RETURNS txrelay.senders LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_sender_status';

CREATE FUNCTION txrelay.add_asset(chain_id bigint, symbol text, contract text DEFAULT NULL, decimals int DEFAULT 18)
  RETURNS txrelay.assets LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_add_asset';

CREATE FUNCTION txrelay.set_risk_tier(tier text, auto_approve_below numeric, completion text,
                                      auto_approve_daily_sum numeric DEFAULT NULL, auto_approve_daily_count int DEFAULT NULL)
  RETURNS txrelay.risk_tiers LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_risk_tier';

CREATE FUNCTION txrelay.credit(account text, chain_id bigint, asset text, amount numeric, reference text)
  RETURNS bigint LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_credit';

CREATE FUNCTION txrelay.credit_deposit(account text, chain_id bigint, asset text, amount numeric, tx_hash text, log_index int)
  RETURNS bigint LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_credit_deposit';

CREATE FUNCTION txrelay.balance(account text, chain_id bigint, asset text,
                                OUT available numeric, OUT reserved numeric, OUT spent numeric)
  RETURNS record LANGUAGE c STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_balance';

CREATE FUNCTION txrelay.request_withdrawal(idempotency_key text, account text, chain_id bigint, asset text,
                                           to_address text, amount numeric, risk_tier text DEFAULT 'standard',
                                           metadata jsonb DEFAULT '{}')
  RETURNS txrelay.withdrawals LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_request_withdrawal';

CREATE FUNCTION txrelay.approve(withdrawal_id uuid, approval_id uuid, policy_decision_id text, decided_by text)
  RETURNS txrelay.withdrawals LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_approve';

CREATE FUNCTION txrelay.reject(withdrawal_id uuid, approval_id uuid, policy_decision_id text, decided_by text, reason text)
  RETURNS txrelay.withdrawals LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_reject';

CREATE FUNCTION txrelay.cancel(withdrawal_id uuid, reason text)
  RETURNS txrelay.withdrawals LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_cancel';

CREATE FUNCTION txrelay.requeue_dead(outbox_id bigint)
  RETURNS txrelay.outbox LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_requeue_dead';

CREATE FUNCTION txrelay.submit_signed(signature_request_id uuid, raw_tx bytea)
  RETURNS txrelay.attempts LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_submit_signed';

CREATE FUNCTION txrelay.decode_raw_tx(raw_tx bytea)
  RETURNS jsonb LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_decode_raw_tx';

CREATE FUNCTION txrelay.state_transitions(OUT from_status text, OUT to_status text)
  RETURNS SETOF record LANGUAGE c IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_state_transitions';
