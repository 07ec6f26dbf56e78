-- Checkpoints signed by an audit key the database does not hold (issue 17, decision 67). The
-- operator names the audit address and the signer (txrelay.add_signer) that holds its key; the
-- tracker has every checkpoint from then on signed (eth_sign, EIP-191 over the 32-byte hash),
-- logs the signature and sends it with NOTIFY txrelay_checkpoints; verify_ledger() recovers each.
CREATE OR REPLACE FUNCTION txrelay.set_checkpoint_signer(signer text, address text)
  RETURNS txrelay.ledger_checkpoint_signer LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_checkpoint_signer';

-- The EIP-55 address whose key made an EIP-191 signature of `message`; NULL if it does not recover.
CREATE OR REPLACE FUNCTION txrelay._personal_signer(message bytea, signature bytea) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_personal_signer';
