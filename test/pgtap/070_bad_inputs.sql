-- A catalogue of bad inputs to the API. Each call runs as its own transaction on a second
-- connection against committed data; each must fail with the documented SQLSTATE, a message
-- that names the argument, and leave every txrelay table exactly as it was.
SELECT txrelay_test.fixture(70);  -- committed: chain 70 ('test chain 70'), accounts alice and bob
SELECT (txrelay.request_withdrawal('bad-base', 'alice', 70, 'ETH', txrelay_test.dev(2), 1)).withdrawal_id AS wid \gset

BEGIN;
SELECT plan(1 + 88 * 3);

CREATE TEMP TABLE catalogue (call text, errcode text, names text);
INSERT INTO catalogue VALUES
  -- request_withdrawal
  ($$SELECT txrelay.request_withdrawal(NULL, 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal('', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal('   ', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal(repeat('k', 256), 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal(E'k\n1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  -- Inputs no real transaction could use, and sizes (issue 18)
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x0000000000000000000000000000000000000000', 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.add_sender(70, '0x0000000000000000000000000000000000000000')$$, '22023', 'address'),
  ($$SELECT txrelay.add_chain(9223372036854775772, 'too big')$$, '22023', 'chain_id'),
  ($$SELECT txrelay.add_chain(9223372036854775807, 'max bigint')$$, '22023', 'chain_id'),
  ($$SELECT txrelay.events_since('1:9999999999999999999')$$, '22023', 'after_position'),
  ($$SELECT txrelay.decode_raw_tx('\x02'::bytea || decode(repeat('01', 131072), 'hex'))$$, '22023', 'raw_tx'),
  ($$SELECT txrelay.decode_raw_tx('\x02faa00000'::bytea || decode(repeat('01', 10485760), 'hex'))$$, '22023', 'raw_tx'),
  ($$SELECT txrelay.decode_raw_tx('\x02f9232c'::bytea || decode(repeat('01', 9004), 'hex'))$$, 'TR005', 'raw_tx'),
  ($$SELECT txrelay.submit_signed(gen_random_uuid(), decode(repeat('01', 131073), 'hex'))$$, '22023', 'raw_tx'),
  -- C1 controls and Unicode format characters (issue 17): NEL, zero-width space, RTL override, BOM
  ($$SELECT txrelay.request_withdrawal(E'k\u00851', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal(E'pay\u200bout', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'idempotency_key'),
  ($$SELECT txrelay.request_withdrawal('bad-1', E'ali\u202Ece', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'account'),
  ($$SELECT txrelay.credit('alice', 70, 'ETH', 10, E'\uFEFFref')$$, '22023', 'reference'),
  ($$SELECT txrelay.request_withdrawal('bad-1', NULL, 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'account'),
  ($$SELECT txrelay.request_withdrawal('bad-1', '', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'account'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', NULL, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'chain_id'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 999, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, 'TR009', 'chain_id'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'DOGE', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, 'TR009', 'asset'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'eth', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, 'TR009', 'asset'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, NULL, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'asset'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', NULL, 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x1234', 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970c51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79Zz', 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '70997970C51812dc3A010C7d01b50e0d17dc79C8', 1)$$, '22023', 'to_address'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 0)$$, '22003', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', -1)$$, '22003', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1.5)$$, '22023', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 2::numeric ^ 256)$$, '22003', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 'NaN')$$, '22023', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 'Infinity')$$, '22023', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', NULL)$$, '22023', 'amount'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'vip')$$, 'TR009', 'risk_tier'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, NULL)$$, '22023', 'risk_tier'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard', '[1]')$$, '22023', 'metadata'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard', '"memo"')$$, '22023', 'metadata'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard', NULL)$$, '22023', 'metadata'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'alice', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 1, 'standard', jsonb_build_object('blob', repeat('x', 9000)))$$, '22023', 'metadata'),
  ($$SELECT txrelay.request_withdrawal('bad-1', 'bob', 70, 'ETH', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 5001)$$, 'TR002', 'balance'),
  -- credit and balance
  ($$SELECT txrelay.credit('alice', 70, 'ETH', 0, 'bad-ref')$$, '22003', 'amount'),
  ($$SELECT txrelay.credit('alice', 70, 'ETH', 10, '')$$, '22023', 'reference'),
  ($$SELECT txrelay.credit('alice', 70, 'DOGE', 10, 'bad-ref')$$, 'TR009', 'asset'),
  ($$SELECT txrelay.credit(repeat('a', 300), 70, 'ETH', 10, 'bad-ref')$$, '22023', 'account'),
  ($$SELECT txrelay.credit(NULL, 70, 'ETH', 10, 'bad-ref')$$, '22023', 'account'),
  ($$SELECT txrelay.credit('bob', 70, 'ETH', 1, 'seed-alice-eth-70')$$, 'TR007', 'reference'),
  ($$SELECT * FROM txrelay.balance('alice', 999, 'ETH')$$, 'TR009', 'chain_id'),
  -- decisions
  ($$SELECT txrelay.approve(NULL, gen_random_uuid(), 'pd', 'carol')$$, '22023', 'withdrawal_id'),
  ($$SELECT txrelay.approve(gen_random_uuid(), gen_random_uuid(), 'pd', 'carol')$$, '22023', 'withdrawal_id'),
  (format($$SELECT txrelay.approve(%L, NULL, 'pd', 'carol')$$, :'wid'), '22023', 'approval_id'),
  (format($$SELECT txrelay.approve(%L, gen_random_uuid(), '', 'carol')$$, :'wid'), '22023', 'policy_decision_id'),
  (format($$SELECT txrelay.approve(%L, gen_random_uuid(), 'pd', NULL)$$, :'wid'), '22023', 'decided_by'),
  (format($$SELECT txrelay.reject(%L, gen_random_uuid(), 'pd', 'carol', '')$$, :'wid'), '22023', 'reason'),
  ($$SELECT txrelay.cancel(gen_random_uuid(), 'why')$$, '22023', 'withdrawal_id'),
  (format($$SELECT txrelay.cancel(%L, NULL)$$, :'wid'), '22023', 'reason'),
  -- configuration
  ($$SELECT txrelay.add_chain(0, 'zero')$$, '22023', 'chain_id'),
  ($$SELECT txrelay.add_chain(71, '')$$, '22023', 'name'),
  ($$SELECT txrelay.add_chain(71, 'seventy-one', 'ETH', 78)$$, '22023', 'native_decimals'),
  ($$SELECT txrelay.add_chain(71, 'seventy-one', 'E T H')$$, '22023', 'native_symbol'),
  ($$SELECT txrelay.add_rpc_endpoint(70, 'ftp://127.0.0.1/')$$, '22023', 'url'),
  ($$SELECT txrelay.add_rpc_endpoint(999, 'http://127.0.0.1:8545')$$, 'TR009', 'chain_id'),
  ($$SELECT txrelay.add_signer('s', 'not a url')$$, '22023', 'url'),
  ($$SELECT txrelay.add_sender(70, '0xnothex')$$, '22023', 'address'),
  ($$SELECT txrelay.add_sender(70, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', NULL, -1)$$, '22023', 'next_nonce'),
  ($$SELECT txrelay.add_sender(70, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 'nope')$$, 'TR009', 'signer'),
  ($$SELECT txrelay.add_asset(70, 'DAI', '0x6B175474E89094C44Da98b954EedeAC495271d0F', -1)$$, '22023', 'decimals'),
  ($$SELECT txrelay.add_asset(70, 'DAI', '0x6b175474e89094c44da98b954eedeac495271d0f00')$$, '22023', 'contract'),
  ($$SELECT txrelay.set_risk_tier('standard', 0, 'soon')$$, '22023', 'completion'),
  ($$SELECT txrelay.set_risk_tier('High Value', 0, 'safe')$$, '22023', 'tier'),
  ($$SELECT txrelay.set_risk_tier('standard', -1, 'safe')$$, '22003', 'auto_approve_below'),
  ($$SELECT txrelay.set_sender_status(70, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'frozen', 'x')$$, '22023', 'status'),
  ($$SELECT txrelay.set_sender_status(70, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 'paused', 'x')$$, '22023', 'address'),
  ($$SELECT txrelay.requeue_dead(987654321)$$, '22023', 'outbox_id'),
  ($$SELECT txrelay.set_rpc_endpoint(987654321, enabled => false)$$, '22023', 'endpoint_id'),
  ($$SELECT txrelay.set_rpc_endpoint(NULL)$$, '22023', 'endpoint_id'),
  ($$SELECT txrelay.set_rpc_endpoint(1, connect_timeout_ms => 0)$$, '22023', 'connect_timeout_ms'),
  ($$SELECT txrelay.set_rpc_endpoint(1, max_requests_per_sec => -5)$$, '22023', 'max_requests_per_sec'),
  ($$SELECT txrelay.set_chain(987654321, max_gas_limit => 50000)$$, '22023', 'chain_id'),
  ($$SELECT txrelay.set_chain(70, max_fee_per_gas_cap => 0)$$, '22023', 'max_fee_per_gas_cap'),
  ($$SELECT txrelay.set_chain(70, max_priority_fee_cap => 1.5)$$, '22023', 'max_priority_fee_cap'),
  ($$SELECT txrelay.set_chain(70, max_gas_limit => 20999)$$, '22023', 'max_gas_limit'),
  ($$SELECT txrelay.set_chain(70, finality_mode => 'blocks')$$, '22023', 'finality_mode'),
  ($$SELECT txrelay.set_chain(70, safe_depth => -1)$$, '22023', 'safe_depth'),
  ($$SELECT txrelay.reconcile(987654321)$$, 'TR009', 'chain');

SELECT is((SELECT count(*)::int FROM catalogue), 88, 'the catalogue has 88 bad inputs');
SELECT txrelay_test.refuses(call, errcode, names) FROM catalogue;

SELECT * FROM finish();
ROLLBACK;
