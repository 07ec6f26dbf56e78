-- txrelay.node_capabilities and txrelay.capabilities (issue 19): what the tracker's probe found
-- an endpoint or signer unable to do becomes an alert at configuration time, clears when fixed,
-- and is readable by the operator without any URL's secret. The rows are written here as the
-- tracker's probe writes them (this cluster runs no workers; test/e2e/other_nodes.sh probes real
-- ganache and Hardhat nodes).
BEGIN;
SELECT plan(15);

SELECT txrelay_test.fixture(190);
SELECT txrelay.add_rpc_endpoint(190, 'https://eth.example/v3/0123456789abcdef0123456789abcdef') AS endpoint \gset
CREATE FUNCTION pg_temp.found(capability text, supported boolean, answer text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO txrelay.node_capabilities (endpoint_id, capability, supported, answer)
  SELECT endpoint_id, capability, supported, answer FROM txrelay.rpc_endpoints WHERE chain_id = 190
  ON CONFLICT ON CONSTRAINT node_capabilities_key DO UPDATE SET supported = EXCLUDED.supported $$;
CREATE FUNCTION pg_temp.alert(kind text) RETURNS SETOF txrelay.alerts LANGUAGE sql AS $$
  SELECT * FROM txrelay.alerts WHERE alert = kind AND (chain_id = 190 OR details ->> 'signer' = 'cap-signer') $$;

-- What a node can do but txrelay does without (ganache, Hardhat): no alert.
SELECT pg_temp.found('block_receipts', false, 'eth_getBlockReceipts: -32004 Method eth_getBlockReceipts is not supported');
SELECT pg_temp.found('tx_by_sender_and_nonce', false, 'eth_getTransactionBySenderAndNonce: -32004 not supported');
SELECT is_empty($$SELECT * FROM txrelay.alerts WHERE chain_id = 190$$,
                'a node without eth_getBlockReceipts or eth_getTransactionBySenderAndNonce raises nothing: the workers go the other way');

-- An endpoint of another chain.
SELECT pg_temp.found('serves_chain', false, 'eth_chainId: 1 (the endpoint is configured for chain 190)');
SELECT results_eq($$SELECT severity, what LIKE '%serves another chain: eth_chainId: 1%', what LIKE '%/v3/***%' AND what NOT LIKE '%0123456789abcdef0123%',
                           what_to_do LIKE '%set_rpc_endpoint%enabled => false%' FROM pg_temp.alert('endpoint_wrong_chain')$$,
                  $$VALUES ('critical', true, true, true)$$,
                  'an endpoint serving another chain is critical, with its words, its URL redacted and how to fix it');
SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => false) FROM txrelay.rpc_endpoints WHERE chain_id = 190;
SELECT is_empty($$SELECT * FROM pg_temp.alert('endpoint_wrong_chain')$$, 'it clears when the endpoint is disabled');
SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => true) FROM txrelay.rpc_endpoints WHERE chain_id = 190;
SELECT pg_temp.found('serves_chain', true, 'eth_chainId: 190');

-- No batches.
SELECT pg_temp.found('batches', false, 'a batch of 2 calls: bad_response from https://eth.example/v3/... (HTTP 400)');
SELECT results_eq($$SELECT severity, what LIKE '%refuses JSON-RPC batches%' FROM pg_temp.alert('endpoint_without_batches')$$,
                  $$VALUES ('critical', true)$$, 'an endpoint that refuses batches is critical');
SELECT pg_temp.found('batches', true, 'a batch of 2 calls answered');
SELECT is_empty($$SELECT * FROM pg_temp.alert('endpoint_without_batches')$$, 'and clears when the next probe finds batches');

-- Tags that follow latest, on a chain reading finality by tags.
SELECT pg_temp.found('finality_lags_latest', false, 'finalized block 7, latest 7');
SELECT results_eq($$SELECT severity, what LIKE '%finalized block 7, latest 7%', what_to_do LIKE '%finality_mode => ''depth''%'
                      FROM pg_temp.alert('tags_follow_latest')$$,
                  $$VALUES ('warning', true, true)$$, 'tags that follow latest warn and suggest depth mode');
SELECT txrelay.set_chain(190, finality_mode => 'depth', safe_depth => 2, finalized_depth => 4);
SELECT is_empty($$SELECT * FROM pg_temp.alert('tags_follow_latest')$$, 'depth mode clears it');

-- A signer that cannot sign: an alert only while a sender uses it.
SELECT txrelay.add_signer('cap-signer', 'http://127.0.0.1:9/hardhat');
INSERT INTO txrelay.node_capabilities (signer, capability, supported, answer)
VALUES ('cap-signer', 'sign_transaction', false, 'eth_signTransaction: -32004 Method eth_signTransaction is not supported');
SELECT is_empty($$SELECT * FROM pg_temp.alert('signer_cannot_sign')$$, 'a signer no sender uses raises nothing (it may sign checkpoints with eth_sign)');
SELECT txrelay.add_sender(190, txrelay_test.dev(2), 'cap-signer', 0);
SELECT results_eq($$SELECT severity, what LIKE '%-32004 Method eth_signTransaction is not supported%' AND what LIKE format('%%%s on chain 190%%', txrelay_test.dev(2)),
                           what_to_do LIKE '%add_signer(''cap-signer''%' FROM pg_temp.alert('signer_cannot_sign')$$,
                  $$VALUES ('critical', true, true)$$,
                  'a signer without eth_signTransaction that a sender uses is critical, naming the sender, before any withdrawal');
SELECT txrelay.add_signer('cap-signer', 'http://127.0.0.1:9/another');
SELECT is_empty($$SELECT * FROM txrelay.node_capabilities WHERE signer = 'cap-signer'$$,
                'a new URL for the signer forgets what the old one was found to do (asked again within seconds)');

-- Who reads it, and what they see.
SELECT lives_ok($$SELECT txrelay_test.as_role('txrelay_operator', 'SELECT count(*) FROM txrelay.capabilities')$$,
                'the operator reads txrelay.capabilities');
SELECT throws_ok($$SELECT txrelay_test.as_role('txrelay_app', 'SELECT count(*) FROM txrelay.capabilities')$$,
                 '42501', NULL, 'an application login does not');
SELECT is((SELECT count(*) FROM txrelay.capabilities WHERE chain_id = 190 AND url LIKE '%0123456789abcdef0123%'), 0::bigint,
          'the view shows the redacted URL only');

-- Malformed rows cannot exist.
SELECT throws_ok($$INSERT INTO txrelay.node_capabilities (capability, supported, answer) VALUES ('batches', true, 'x')$$,
                 '23514', NULL, 'a finding belongs to an endpoint or a signer');
SELECT throws_ok(format($$INSERT INTO txrelay.node_capabilities (endpoint_id, capability, supported, answer) VALUES (%s, 'eth_magic', true, 'x')$$, :'endpoint'),
                 '23514', NULL, 'and names a known capability');

SELECT * FROM finish();
ROLLBACK;
