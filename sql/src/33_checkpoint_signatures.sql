-- Checkpoints signed by a key the database does not hold (issue 17): the audit address, and the
-- signer that holds its key (it speaks eth_sign, EIP-191). The tracker signs every checkpoint from
-- from_version on, writes the signature to the server log and sends it with NOTIFY
-- txrelay_checkpoints for an outside archive; verify_ledger() recovers each signature.
CREATE TABLE txrelay.ledger_checkpoint_signer (
  singleton     boolean     NOT NULL DEFAULT true,
  signer        text        NOT NULL,
  address       text        NOT NULL,  -- EIP-55
  from_version  bigint      NOT NULL,  -- the first checkpoint that must carry its signature
  set_at        timestamptz NOT NULL DEFAULT now(),
  set_by        text        NOT NULL DEFAULT session_user,
  CONSTRAINT ledger_checkpoint_signer_pkey PRIMARY KEY (singleton),
  CONSTRAINT ledger_checkpoint_signer_singleton_check CHECK (singleton),
  CONSTRAINT ledger_checkpoint_signer_signer_fkey FOREIGN KEY (signer) REFERENCES txrelay.signers (name)
);

CREATE TABLE txrelay.ledger_checkpoint_signatures (
  version    bigint      NOT NULL,
  address    text        NOT NULL,  -- the audit address it was asked of (EIP-55)
  signature  bytea       NOT NULL,  -- r || s || v over EIP-191("\x19Ethereum Signed Message:\n32" || hash)
  signed_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_checkpoint_signatures_pkey PRIMARY KEY (version),
  CONSTRAINT ledger_checkpoint_signatures_version_fkey FOREIGN KEY (version) REFERENCES txrelay.ledger_checkpoints (version),
  CONSTRAINT ledger_checkpoint_signatures_length_check CHECK (octet_length(signature) = 65)
);
