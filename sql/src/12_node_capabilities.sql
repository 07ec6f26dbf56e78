-- What each RPC endpoint and signer says it can do (issue 19): asked by the tracker when one is
-- added (within seconds) and every txrelay.capability_probe_interval after, one row per
-- capability, rewritten by each probe. The workers choose their way by it (docs/nodes.md):
--   serves_chain            eth_chainId is the chain the endpoint is configured for (else unused)
--   block_receipts          eth_getBlockReceipts (else blocks' transaction lists + our receipts)
--   tx_by_sender_and_nonce  eth_getTransactionBySenderAndNonce (names a foreign transaction)
--   safe_tag, finalized_tag the block tags
--   finality_lags_latest    the finalized block is below the latest (false: tags mode finalizes
--                           on inclusion; the tags_follow_latest alert suggests depth mode)
--   batches                 JSON-RPC batches
--   sign_transaction        (signers) eth_signTransaction
-- supported NULL: the answer did not tell (an error other than "no such method").
CREATE TABLE txrelay.node_capabilities (
  endpoint_id  bigint,
  signer       text,
  capability   text        NOT NULL,
  supported    boolean,
  answer       text        NOT NULL,  -- what the node or signer said (its words, shortened)
  probed_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT node_capabilities_key UNIQUE NULLS NOT DISTINCT (endpoint_id, signer, capability),
  CONSTRAINT node_capabilities_one_target_check CHECK ((endpoint_id IS NULL) <> (signer IS NULL)),
  CONSTRAINT node_capabilities_capability_check CHECK (capability IN (
    'serves_chain', 'block_receipts', 'tx_by_sender_and_nonce', 'safe_tag', 'finalized_tag',
    'finality_lags_latest', 'batches', 'sign_transaction')),
  CONSTRAINT node_capabilities_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES txrelay.rpc_endpoints (endpoint_id),
  CONSTRAINT node_capabilities_signer_fkey FOREIGN KEY (signer) REFERENCES txrelay.signers (name) ON DELETE CASCADE
);

-- The operator's view: the capabilities with where they were asked (URLs redacted).
CREATE VIEW txrelay.capabilities AS
SELECT CASE WHEN c.endpoint_id IS NOT NULL THEN 'rpc_endpoint' ELSE 'signer' END AS kind,
       e.chain_id, c.endpoint_id, c.signer, coalesce(e.url_redacted, s.url_redacted) AS url,
       c.capability, c.supported, c.answer, c.probed_at
  FROM txrelay.node_capabilities c
  LEFT JOIN txrelay.rpc_endpoints e ON e.endpoint_id = c.endpoint_id
  LEFT JOIN txrelay.signers s ON s.name = c.signer;
GRANT SELECT ON txrelay.capabilities TO txrelay_operator, txrelay_auditor;
GRANT SELECT ON txrelay.node_capabilities TO txrelay_auditor;
