-- ---------------------------------------------------------------------------------------------
-- Business
-- ---------------------------------------------------------------------------------------------
CREATE TABLE txrelay.withdrawals (
  withdrawal_id        uuid        NOT NULL DEFAULT gen_random_uuid(),
  idempotency_key      text        NOT NULL,
  request_fingerprint  bytea       NOT NULL,  -- keccak256 of the canonical request (TR001)
  account              text        NOT NULL,
  chain_id             bigint      NOT NULL,
  asset                text        NOT NULL,
  to_address           text        NOT NULL,  -- EIP-55
  amount               txrelay.wei NOT NULL,
  risk_tier            text        NOT NULL,
  metadata             jsonb       NOT NULL DEFAULT '{}',
  status               text        NOT NULL DEFAULT 'requested',
  status_reason        text,                  -- why the last transition happened
  created_at           timestamptz NOT NULL DEFAULT now(),
  status_changed_at    timestamptz NOT NULL DEFAULT now(),
  completed_at         timestamptz,           -- set once, when the risk tier's level is reached
  -- The login that requested it: an application login sees and cancels only its own (NULL: a
  -- withdrawal from before 0.2.0, which every application login sees, as then).
  requested_by         text                   DEFAULT session_user,
  CONSTRAINT withdrawals_pkey PRIMARY KEY (withdrawal_id),
  CONSTRAINT withdrawals_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT withdrawals_asset_fkey FOREIGN KEY (chain_id, asset) REFERENCES txrelay.assets (chain_id, symbol),
  CONSTRAINT withdrawals_risk_tier_fkey FOREIGN KEY (risk_tier) REFERENCES txrelay.risk_tiers (tier),
  CONSTRAINT withdrawals_amount_check CHECK (amount > 0),
  CONSTRAINT withdrawals_fingerprint_check CHECK (octet_length(request_fingerprint) = 32),
  CONSTRAINT withdrawals_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX withdrawals_open_status_idx ON txrelay.withdrawals (status, status_changed_at)
  WHERE status <> ALL (txrelay._status_set('final'));
-- An account's withdrawals of the last day: the rolling auto-approval limits (set_risk_tier).
CREATE INDEX withdrawals_account_recent_idx ON txrelay.withdrawals (account, chain_id, asset, created_at);
-- Finalized before completion: only by a hand edit (the tracker then settles it); kept findable.
CREATE INDEX withdrawals_finalized_uncompleted_idx ON txrelay.withdrawals (withdrawal_id)
  WHERE status = 'finalized' AND completed_at IS NULL;

CREATE TABLE txrelay.approvals (
  approval_id         uuid        NOT NULL,
  withdrawal_id       uuid        NOT NULL,
  policy_decision_id  text        NOT NULL,
  decision            text        NOT NULL,
  decided_by          text        NOT NULL,
  reason              text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT approvals_pkey PRIMARY KEY (approval_id),
  CONSTRAINT approvals_withdrawal_id_key UNIQUE (withdrawal_id),
  CONSTRAINT approvals_policy_decision_id_key UNIQUE (policy_decision_id),
  CONSTRAINT approvals_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT approvals_decision_check CHECK (decision IN ('approved', 'rejected'))
);

-- The nonce key (chain_id, from_address, nonce) belongs to exactly one withdrawal for ever.
CREATE TABLE txrelay.nonce_reservations (
  chain_id       bigint      NOT NULL,
  from_address   text        NOT NULL,
  nonce          bigint      NOT NULL,
  withdrawal_id  uuid        NOT NULL,
  nonce_key      text        NOT NULL GENERATED ALWAYS AS (chain_id::text || ':' || from_address || ':' || nonce::text) STORED,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT nonce_reservations_pkey PRIMARY KEY (chain_id, from_address, nonce),
  CONSTRAINT nonce_reservations_withdrawal_id_key UNIQUE (withdrawal_id),
  CONSTRAINT nonce_reservations_sender_fkey FOREIGN KEY (chain_id, from_address) REFERENCES txrelay.senders (chain_id, address),
  CONSTRAINT nonce_reservations_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT nonce_reservations_nonce_check CHECK (nonce >= 0)
);

-- What a signer must sign: the transaction's call at a reserved nonce. A withdrawal's own
-- request pays the recipient; a gap filler (after a cancel) is a zero-value self-transfer, priced
-- to replace whatever was signed at that nonce.
CREATE TABLE txrelay.signature_requests (
  signature_request_id  uuid        NOT NULL DEFAULT gen_random_uuid(),
  withdrawal_id         uuid        NOT NULL,
  kind                  text        NOT NULL,
  chain_id              bigint      NOT NULL,
  from_address          text        NOT NULL,
  nonce                 bigint      NOT NULL,
  to_address            text        NOT NULL,  -- recipient, ERC-20 contract, or the sender itself
  value                 txrelay.wei NOT NULL,
  data                  bytea       NOT NULL,
  replaces_attempt_id   uuid,                  -- a fee bump: the stuck attempt it replaces
  min_max_fee_per_gas          txrelay.wei,    -- a fee bump: both fees at least these
  min_max_priority_fee_per_gas txrelay.wei,
  status                text        NOT NULL DEFAULT 'pending',
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT signature_requests_pkey PRIMARY KEY (signature_request_id),
  CONSTRAINT signature_requests_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT signature_requests_nonce_fkey FOREIGN KEY (chain_id, from_address, nonce) REFERENCES txrelay.nonce_reservations (chain_id, from_address, nonce),
  CONSTRAINT signature_requests_kind_check CHECK (kind IN ('withdrawal', 'gap_filler', 'fee_bump')),
  -- A request that must replace an attempt on the node names it and the fees to outbid: always a
  -- fee bump, a cancel's gap filler when something was signed at its nonce, never a payment.
  CONSTRAINT signature_requests_replacement_check CHECK (
    (replaces_attempt_id IS NULL) = (min_max_fee_per_gas IS NULL)
    AND (replaces_attempt_id IS NULL) = (min_max_priority_fee_per_gas IS NULL)
    AND CASE kind WHEN 'fee_bump' THEN replaces_attempt_id IS NOT NULL
                  WHEN 'withdrawal' THEN replaces_attempt_id IS NULL
                  ELSE true END),
  CONSTRAINT signature_requests_status_check CHECK (status IN ('pending', 'signed', 'cancelled'))
);
CREATE INDEX signature_requests_withdrawal_idx ON txrelay.signature_requests (withdrawal_id);
-- The tracker cancels a nonce's pending fee bumps when the nonce is mined: found by index, not by a
-- scan of every request ever made (bench/pipeline.sh found that scan at 1 ms per inclusion).
CREATE INDEX signature_requests_pending_nonce_idx ON txrelay.signature_requests (chain_id, from_address, nonce)
  WHERE status = 'pending';

-- Signed transactions. Several attempts can share a nonce key (fee bumps); at most one is ever
-- included. The raw bytes and hash are stored before the first send.
CREATE TABLE txrelay.attempts (
  attempt_id                uuid        NOT NULL DEFAULT gen_random_uuid(),
  signature_request_id      uuid        NOT NULL,
  withdrawal_id             uuid        NOT NULL,
  chain_id                  bigint      NOT NULL,
  from_address              text        NOT NULL,
  nonce                     bigint      NOT NULL,
  tx_hash                   bytea       NOT NULL,
  raw_tx                    bytea       NOT NULL,
  tx_type                   smallint    NOT NULL,
  gas_limit                 bigint      NOT NULL,
  max_fee_per_gas           txrelay.wei NOT NULL,
  max_priority_fee_per_gas  txrelay.wei NOT NULL,
  status                    text        NOT NULL DEFAULT 'created',
  first_seen_block          bigint,                -- the chain's height when the tracker first saw it sent
  block_number              bigint,                -- its inclusion, while it is included
  block_hash                bytea,
  receipt_status            smallint,              -- 1 success, 0 reverted
  gas_used                  txrelay.wei,
  effective_gas_price       txrelay.wei,
  included_at               timestamptz,
  created_at                timestamptz NOT NULL DEFAULT now(),
  sent_at                   timestamptz,
  updated_at                timestamptz NOT NULL DEFAULT now(),
  rollup_fee                txrelay.wei,           -- OP stack: the L1 data + operator fee on top of gas (0.2.0)
  CONSTRAINT attempts_pkey PRIMARY KEY (attempt_id),
  CONSTRAINT attempts_signature_request_id_key UNIQUE (signature_request_id),
  CONSTRAINT attempts_tx_hash_key UNIQUE (tx_hash),
  CONSTRAINT attempts_signature_request_id_fkey FOREIGN KEY (signature_request_id) REFERENCES txrelay.signature_requests (signature_request_id),
  CONSTRAINT attempts_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT attempts_nonce_fkey FOREIGN KEY (chain_id, from_address, nonce) REFERENCES txrelay.nonce_reservations (chain_id, from_address, nonce),
  CONSTRAINT attempts_tx_hash_check CHECK (octet_length(tx_hash) = 32),
  CONSTRAINT attempts_tx_type_check CHECK (tx_type IN (0, 1, 2)),
  CONSTRAINT attempts_status_check CHECK (status IN ('created', 'sent', 'included', 'replaced', 'dropped')),
  CONSTRAINT attempts_inclusion_check CHECK ((status = 'included') = (block_number IS NOT NULL)
    AND (block_number IS NULL) = (block_hash IS NULL) AND (block_number IS NULL) = (receipt_status IS NULL))
);
ALTER TABLE txrelay.signature_requests ADD CONSTRAINT signature_requests_replaces_attempt_id_fkey
  FOREIGN KEY (replaces_attempt_id) REFERENCES txrelay.attempts (attempt_id);
CREATE INDEX attempts_nonce_idx ON txrelay.attempts (chain_id, from_address, nonce);
CREATE INDEX attempts_withdrawal_idx ON txrelay.attempts (withdrawal_id);
-- Attempts not yet in a block, and inclusions by height. An included attempt stays 'included'
-- for good, so the second index holds the whole paid history: the tracker reaches the part above
-- the finalized head by its block number (_chains_to_track, the reorg undo), never by a scan.
CREATE INDEX attempts_open_idx ON txrelay.attempts (chain_id, status) WHERE status IN ('created', 'sent');
CREATE INDEX attempts_included_block_idx ON txrelay.attempts (chain_id, block_number) WHERE status = 'included';
