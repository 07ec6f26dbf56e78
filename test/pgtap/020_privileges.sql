-- Roles (DESIGN §4a): each role can call its functions and nothing else; nobody but the
-- extension owner touches the tables; auditors never see endpoint or signer secrets.
BEGIN;
SELECT plan(34);
SELECT txrelay_test.fixture();
SELECT txrelay.add_rpc_endpoint(31337, 'https://rpc.example.com/v3/0123456789abcdef0123');

CREATE TEMP TABLE grants (role text, fn text, allowed boolean);
INSERT INTO grants VALUES
  ('txrelay_app', 'txrelay.request_withdrawal(text,text,bigint,text,text,numeric,text,jsonb)', true),
  ('txrelay_app', 'txrelay.decode_raw_tx(bytea)', true),
  ('txrelay_auditor', 'txrelay.decode_raw_tx(bytea)', true),
  ('txrelay_depositor', 'txrelay.decode_raw_tx(bytea)', false),
  ('public', 'txrelay.decode_raw_tx(bytea)', false),
  ('txrelay_app', 'txrelay.credit(text,bigint,text,numeric,text)', false),
  ('txrelay_app', 'txrelay.credit_deposit(text,bigint,text,numeric,text,integer)', false),
  ('txrelay_depositor', 'txrelay.credit(text,bigint,text,numeric,text)', true),
  ('txrelay_depositor', 'txrelay.credit_deposit(text,bigint,text,numeric,text,integer)', true),
  ('txrelay_depositor', 'txrelay.request_withdrawal(text,text,bigint,text,text,numeric,text,jsonb)', false),
  ('txrelay_depositor', 'txrelay.approve(uuid,uuid,text,text)', false),
  ('txrelay_depositor', 'txrelay.balance(text,bigint,text)', false),
  ('txrelay_approver', 'txrelay.credit_deposit(text,bigint,text,numeric,text,integer)', false),
  ('txrelay_operator', 'txrelay.set_risk_tier(text,numeric,text,numeric,integer)', true),
  ('txrelay_operator', 'txrelay.set_checkpoint_signer(text,text)', true),
  ('txrelay_app', 'txrelay.set_checkpoint_signer(text,text)', false),
  ('txrelay_auditor', 'txrelay.set_checkpoint_signer(text,text)', false),
  ('txrelay_app', 'txrelay.set_risk_tier(text,numeric,text,numeric,integer)', false),
  ('txrelay_app', 'txrelay.balance(text,bigint,text)', true),
  ('txrelay_app', 'txrelay.cancel(uuid,text)', true),
  ('txrelay_app', 'txrelay.submit_signed(uuid,bytea)', true),
  ('txrelay_app', 'txrelay.pending_signature_requests(bigint)', true),
  ('txrelay_app', 'txrelay.events_since(text,integer)', true),
  ('txrelay_auditor', 'txrelay.prometheus()', true),
  ('txrelay_operator', 'txrelay.reconcile(bigint)', true),
  ('txrelay_app', 'txrelay.reconcile(bigint)', false),
  ('txrelay_app', 'txrelay.prometheus()', false),
  ('txrelay_auditor', 'txrelay.events_since(text,integer)', true),
  ('txrelay_approver', 'txrelay.events_since(text,integer)', false),
  ('txrelay_approver', 'txrelay.submit_signed(uuid,bytea)', false),
  ('txrelay_app', 'txrelay.approve(uuid,uuid,text,text)', false),
  ('txrelay_app', 'txrelay.add_chain(bigint,text,text,integer)', false),
  ('txrelay_app', 'txrelay.verify_ledger(boolean)', false),
  ('txrelay_approver', 'txrelay.approve(uuid,uuid,text,text)', true),
  ('txrelay_approver', 'txrelay.reject(uuid,uuid,text,text,text)', true),
  ('txrelay_approver', 'txrelay.request_withdrawal(text,text,bigint,text,text,numeric,text,jsonb)', false),
  ('txrelay_approver', 'txrelay.credit(text,bigint,text,numeric,text)', false),
  ('txrelay_operator', 'txrelay.add_chain(bigint,text,text,integer)', true),
  ('txrelay_operator', 'txrelay.add_sender(bigint,text,text,bigint)', true),
  ('txrelay_operator', 'txrelay.set_sender_status(bigint,text,text,text)', true),
  ('txrelay_operator', 'txrelay.requeue_dead(bigint)', true),
  ('txrelay_operator', 'txrelay.take_ledger_checkpoint()', true),
  ('txrelay_auditor', 'txrelay.take_ledger_checkpoint()', false),
  ('txrelay_operator', 'txrelay.set_rpc_endpoint(bigint,boolean,integer,integer,integer,integer)', true),
  ('txrelay_app', 'txrelay.set_rpc_endpoint(bigint,boolean,integer,integer,integer,integer)', false),
  ('txrelay_operator', 'txrelay.set_chain(bigint,numeric,numeric,bigint,text,integer,integer)', true),
  ('txrelay_app', 'txrelay.set_chain(bigint,numeric,numeric,bigint,text,integer,integer)', false),
  ('txrelay_operator', 'txrelay.cancel(uuid,text)', true),
  ('txrelay_operator', 'txrelay.approve(uuid,uuid,text,text)', false),
  ('txrelay_operator', 'txrelay.credit(text,bigint,text,numeric,text)', false),
  ('txrelay_auditor', 'txrelay.withdrawal_timeline(uuid)', true),
  ('txrelay_auditor', 'txrelay.verify_ledger(boolean)', true),
  ('txrelay_auditor', 'txrelay.balance(text,bigint,text)', true),
  ('txrelay_auditor', 'txrelay.request_withdrawal(text,text,bigint,text,text,numeric,text,jsonb)', false),
  ('txrelay_auditor', 'txrelay.requeue_dead(bigint)', false);
SELECT is_empty($$SELECT role, fn FROM grants WHERE has_function_privilege(role, fn, 'EXECUTE') <> allowed$$,
                'each role may execute exactly its functions (55 checks)');

-- The application works through the API only.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_app',
  $q$SELECT txrelay.request_withdrawal('priv-1', 'alice', 31337, 'ETH', txrelay_test.dev(2), 10)$q$)$$,
  'the app requests a withdrawal through the API');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT count(*) FROM txrelay.withdrawals')$$,
                 '42501', NULL, 'the app cannot read tables');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app',
  $q$INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference, hash)
     VALUES ('CREDIT', 'mallory', 31337, 'ETH', 1000000, 'forged', '\x00')$q$)$$,
  '42501', NULL, 'the app cannot forge a credit');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', $q$UPDATE txrelay.withdrawals SET status = 'approved'$q$)$$,
                 '42501', NULL, 'the app cannot move a withdrawal itself');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', $q$UPDATE txrelay.senders SET next_nonce = 0$q$)$$,
                 '42501', NULL, 'the app cannot touch nonce counters');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app',
  $q$SELECT txrelay.approve((SELECT withdrawal_id FROM txrelay.request_withdrawal('priv-1', 'alice', 31337, 'ETH',
     txrelay_test.dev(2), 10)), gen_random_uuid(), 'pd-priv', 'app')$q$)$$,
  '42501', NULL, 'the app cannot approve its own withdrawal');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', $q$SELECT txrelay.add_chain(5, 'goerli')$q$)$$,
                 '42501', NULL, 'the app cannot change configuration');

-- The approver decides, and only that.
SELECT withdrawal_id AS priv1 FROM txrelay.withdrawals WHERE idempotency_key = 'priv-1' \gset
SELECT lives_ok(format($$SELECT txrelay_test.as_role('txrelay_approver',
  $q$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd-priv-1', 'approver')$q$)$$, :'priv1'), 'the approver approves');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_approver',
  $q$SELECT txrelay.credit('alice', 31337, 'ETH', 1, 'priv-credit')$q$)$$, '42501', NULL, 'the approver cannot credit');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_approver', $q$DELETE FROM txrelay.approvals$q$)$$,
                 '42501', NULL, 'the approver cannot remove decisions');

-- The operator configures.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', $q$SELECT txrelay.add_chain(10, 'optimism')$q$)$$,
                'the operator adds a chain');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_operator', $q$UPDATE txrelay.chains SET name = 'x'$q$)$$,
                 '42501', NULL, 'the operator does not edit tables directly');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_operator',
  $q$SELECT txrelay.request_withdrawal('priv-op', 'alice', 31337, 'ETH', txrelay_test.dev(2), 10)$q$)$$,
  '42501', NULL, 'the operator cannot request withdrawals');

-- The auditor reads, never writes, never sees secrets.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT count(*) FROM txrelay.ledger_entries')$$,
                'the auditor reads the ledger');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT * FROM txrelay.verify_ledger()')$$,
                'the auditor verifies the ledger');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT url_redacted FROM txrelay.rpc_endpoints')$$,
                'the auditor sees redacted endpoint URLs');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT url FROM txrelay.rpc_endpoints')$$,
                 '42501', NULL, 'the auditor cannot read endpoint URLs (they hold API keys)');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'SELECT * FROM txrelay.signers')$$,
                 '42501', NULL, 'the auditor cannot read signer URLs');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_auditor', 'UPDATE txrelay.risk_tiers SET completion = $x$safe$x$')$$,
                 '42501', NULL, 'the auditor cannot write');
SELECT is((SELECT url_redacted FROM txrelay.rpc_endpoints WHERE chain_id = 31337),
          'https://rpc.example.com/v3/***', 'the stored redacted URL hides the key');

-- A role with no txrelay grant gets nothing.
CREATE ROLE txrelay_test_nobody NOLOGIN;
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_test_nobody',
  $q$SELECT txrelay.request_withdrawal('priv-x', 'alice', 31337, 'ETH', txrelay_test.dev(2), 10)$q$)$$,
  '42501', NULL, 'an unrelated role cannot request');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_test_nobody', 'SELECT * FROM txrelay.balance($x$alice$x$, 31337, $x$ETH$x$)')$$,
                 '42501', NULL, 'an unrelated role cannot read balances');
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_test_nobody', 'SELECT * FROM txrelay.state_transitions()')$$,
                'anyone may read the transition table');

-- Functions run as the owner whatever the caller's search_path: a hostile schema first in the
-- path does not capture the API's table references.
CREATE SCHEMA evil;
CREATE TABLE evil.withdrawals (x int);
CREATE FUNCTION evil.gen_random_uuid() RETURNS uuid LANGUAGE sql AS $$SELECT '00000000-0000-0000-0000-000000000000'::uuid$$;
SET LOCAL search_path = evil, public;
SELECT isnt((txrelay.request_withdrawal('priv-path', 'alice', 31337, 'ETH', txrelay_test.dev(2), 11)).withdrawal_id,
            '00000000-0000-0000-0000-000000000000'::uuid, 'a hostile search_path changes nothing');
RESET search_path;
SELECT is((SELECT count(*)::int FROM evil.withdrawals), 0, 'nothing was written to the hostile schema');

-- Actors are recorded as the connecting user.
SELECT is((SELECT actor FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w USING (withdrawal_id)
            WHERE w.idempotency_key = 'priv-1' AND e.to_status = 'requested'), session_user::text,
          'events record who connected');

-- The grants table above covers every role; check the remaining one-liners.
SELECT ok(has_schema_privilege('txrelay_app', 'txrelay', 'USAGE'), 'roles can reach the schema');
SELECT ok(NOT has_schema_privilege('txrelay_app', 'txrelay', 'CREATE'), 'roles cannot create objects in it');
SELECT ok(NOT has_schema_privilege('public', 'txrelay', 'CREATE'), 'PUBLIC cannot create objects in it');
SELECT ok(NOT has_function_privilege('txrelay_auditor', 'txrelay._ledger_entry_hash(bytea,bigint,bigint,text,text,bigint,text,numeric,numeric,uuid,text,timestamptz)', 'EXECUTE'),
          'internal functions are not granted');
SELECT ok(NOT has_function_privilege('txrelay_app', 'txrelay._withdrawals_check()', 'EXECUTE'), 'trigger functions are not granted');
SELECT ok(has_function_privilege('txrelay_operator', 'txrelay.set_risk_tier(text,numeric,text,numeric,integer)', 'EXECUTE'), 'the operator sets tiers');
SELECT ok(has_function_privilege('txrelay_operator', 'txrelay.add_rpc_endpoint(bigint,text,integer)', 'EXECUTE'), 'the operator adds endpoints');

SELECT * FROM finish();
ROLLBACK;
