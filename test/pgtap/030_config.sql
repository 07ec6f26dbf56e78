-- Configuration functions: what they store, idempotent re-adds, conflicts, unknown references.
BEGIN;
SELECT plan(41);

SELECT is((txrelay.add_chain(31337, 'anvil')).native_symbol, 'ETH', 'add_chain defaults to ETH');
SELECT is((SELECT decimals FROM txrelay.assets WHERE chain_id = 31337 AND contract IS NULL), 18,
          'add_chain creates the native asset');
SELECT is((txrelay.add_chain(31337, 'anvil')).name, 'anvil', 're-adding the same chain is a no-op');
SELECT throws_ok($$SELECT txrelay.add_chain(31337, 'anvil', 'MATIC')$$, '23505', NULL,
                 'the same chain id with other settings is refused');
SELECT throws_ok($$SELECT txrelay.add_chain(1, 'anvil')$$, '23505', NULL, 'chain names are unique');
SELECT is((SELECT count(*)::int FROM txrelay.chains WHERE chain_id IN (1, 31337)), 1, 'refused re-adds left one chain');
SELECT is((txrelay.add_chain(137, 'polygon', 'POL', 18)).native_symbol, 'POL', 'another chain with its own native symbol');
SELECT is((SELECT max_fee_per_gas_cap::numeric FROM txrelay.chains WHERE chain_id = 137), 500000000000::numeric,
          'chains get default fee caps');

-- Tuning a chain: what is given changes, the rest stays; inconsistent settings name the argument.
SELECT results_eq($$SELECT max_fee_per_gas_cap::numeric, max_priority_fee_cap::numeric, max_gas_limit, finality_mode, safe_depth, finalized_depth
                      FROM txrelay.set_chain(137, max_fee_per_gas_cap => 900000000000, finality_mode => 'depth',
                                             safe_depth => 16, finalized_depth => 128)$$,
                  $$VALUES (900000000000::numeric, 50000000000::numeric, 1000000::bigint, 'depth', 16, 128)$$,
                  'set_chain changes what it is given and keeps the rest');
SELECT is((SELECT max_priority_fee_cap::numeric FROM txrelay.set_chain(137, max_priority_fee_cap => 900000000000)),
          900000000000::numeric, 'the priority cap may equal the fee cap');
SELECT throws_ok($$SELECT txrelay.set_chain(137, max_fee_per_gas_cap => 899999999999)$$, '22023',
                 'max_fee_per_gas_cap must not be below max_priority_fee_cap', 'a fee cap below the priority cap is refused');
SELECT throws_ok($$SELECT txrelay.set_chain(137, finalized_depth => 15)$$, '22023',
                 'finalized_depth must not be below safe_depth', 'finality shallower than safety is refused');
SELECT is((SELECT max_fee_per_gas_cap::numeric || '/' || finalized_depth FROM txrelay.chains WHERE chain_id = 137),
          '900000000000/128', 'refused changes left the chain as it was');

-- Assets
SELECT is((txrelay.add_asset(31337, 'USDC', lower('0x5FbDB2315678afecb367f032d93F642f64180aa3'), 6)).contract,
          '0x5FbDB2315678afecb367f032d93F642f64180aa3', 'ERC-20 contracts are stored checksummed');
SELECT is((txrelay.add_asset(31337, 'USDC', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 6)).decimals, 6,
          're-adding the same asset is a no-op');
SELECT throws_ok($$SELECT txrelay.add_asset(31337, 'USDC', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 18)$$,
                 '23505', NULL, 'the same symbol with other decimals is refused');
SELECT throws_ok($$SELECT txrelay.add_asset(31337, 'USDC2', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 6)$$,
                 '23505', NULL, 'one contract is one asset');
SELECT throws_ok($$SELECT txrelay.add_asset(31337, 'WETH', NULL, 18)$$, '23505', NULL, 'a chain has one native asset');
SELECT throws_ok($$SELECT txrelay.add_asset(999, 'X', NULL, 18)$$, 'TR009', NULL, 'assets need a known chain');

-- Endpoints and signers
SELECT ok(txrelay.add_rpc_endpoint(31337, 'http://127.0.0.1:8545') > 0, 'add_rpc_endpoint returns an id');
SELECT is(txrelay.add_rpc_endpoint(31337, 'http://127.0.0.1:8545', 5),
          (SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = 'http://127.0.0.1:8545'),
          're-adding an endpoint returns its id');
SELECT is((SELECT priority FROM txrelay.rpc_endpoints WHERE url = 'http://127.0.0.1:8545'), 5,
          'and updates its priority');
SELECT throws_ok($$SELECT txrelay.add_rpc_endpoint(999, 'http://127.0.0.1:8545')$$, 'TR009', NULL,
                 'endpoints need a known chain');
SELECT results_eq($$SELECT enabled, priority, connect_timeout_ms, request_timeout_ms, max_requests_per_sec
                      FROM txrelay.set_rpc_endpoint((SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = 'http://127.0.0.1:8545'),
                                                    enabled => false, request_timeout_ms => 1500, max_requests_per_sec => 20,
                                                    connect_timeout_ms => 500)$$,
                  $$VALUES (false, 5, 500, 1500, 20)$$, 'set_rpc_endpoint changes what it is given and keeps the rest');
SELECT is((SELECT url_redacted FROM txrelay.set_rpc_endpoint((SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = 'http://127.0.0.1:8545'))),
          'http://127.0.0.1:8545', 'and shows the endpoint by its redacted URL only');
SELECT throws_ok($$SELECT txrelay.set_rpc_endpoint((SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = 'http://127.0.0.1:8545'),
                   connect_timeout_ms => 5000)$$, '22023', 'connect_timeout_ms must not exceed request_timeout_ms',
                 'a connect timeout above the request timeout is refused');
SELECT lives_ok($$SELECT txrelay.add_signer('kms', 'https://user:secret@signer.example.com/sign?token=abc')$$, 'add_signer');
SELECT is((SELECT url_redacted FROM txrelay.signers WHERE name = 'kms'), 'https://***@signer.example.com/sign?token=***',
          'signer credentials are redacted');
SELECT lives_ok($$SELECT txrelay.add_signer('kms', 'https://signer2.example.com/')$$, 're-adding a signer replaces its URL');
SELECT is((SELECT url FROM txrelay.signers WHERE name = 'kms'), 'https://signer2.example.com/', 'rotated');

-- Senders
SELECT is((txrelay.add_sender(31337, lower(txrelay_test.dev(0)), 'kms')).address, txrelay_test.dev(0),
          'sender addresses are stored checksummed');
SELECT is((SELECT next_nonce FROM txrelay.senders WHERE address = txrelay_test.dev(0)), NULL::bigint,
          'no next_nonce means: read from the chain before first use');
SELECT is((txrelay.add_sender(31337, txrelay_test.dev(0), 'kms', 7)).next_nonce, NULL::bigint,
          're-adding a sender never moves its nonce counter');
SELECT throws_ok($$SELECT txrelay.add_sender(31337, txrelay_test.dev(0), NULL)$$, '23505', NULL,
                 'a sender cannot silently change signer');
SELECT throws_ok($$SELECT txrelay.add_sender(31337, txrelay_test.dev(1), 'nope')$$, 'TR009', NULL, 'unknown signer');
SELECT is((txrelay.add_sender(31337, txrelay_test.dev(1), NULL, 0)).signer, NULL, 'a client-signed sender');
SELECT is((txrelay.set_sender_status(31337, txrelay_test.dev(1), 'paused', 'maintenance')).status, 'paused',
          'set_sender_status pauses');

-- Risk tiers
SELECT is((txrelay.set_risk_tier('standard', 0, 'finalized')).completion_level, 'finalized', 'a finalized tier');
SELECT is((txrelay.set_risk_tier('fast', 1000, 'included:3')).completion_confirmations, 3, 'included:N keeps N');
SELECT is((txrelay.set_risk_tier('fast', 2000, 'safe')).completion, 'safe', 'set_risk_tier updates in place');
SELECT is((SELECT auto_approve_below::numeric FROM txrelay.risk_tiers WHERE tier = 'fast'), 2000::numeric, 'with the new limit');

SELECT * FROM finish();
ROLLBACK;
