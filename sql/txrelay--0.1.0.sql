-- txrelay 0.1.0: duplicate-safe withdrawals enforced inside PostgreSQL.
-- The data model of DESIGN §3, the SQL API of §4a and the invariants' triggers.
-- Every constraint and index has a name; every function is SECURITY DEFINER with a pinned
-- search_path; no role but the extension owner writes a table directly.

\echo Use "CREATE EXTENSION txrelay" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- Roles (cluster-wide; created once, kept when the extension is dropped)
-- ---------------------------------------------------------------------------------------------
DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['txrelay_app', 'txrelay_approver', 'txrelay_operator', 'txrelay_auditor']
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$roles$;

-- An exact amount in base units: 0 <= amount < 2^256 (DESIGN §3).
CREATE DOMAIN txrelay.wei AS numeric(78, 0)
  CONSTRAINT wei_range_check CHECK (VALUE >= 0 AND VALUE < 115792089237316195423570985008687907853269984665640564039457584007913129639936);

-- ---------------------------------------------------------------------------------------------
-- Configuration
-- ---------------------------------------------------------------------------------------------
CREATE TABLE txrelay.chains (
  chain_id                 bigint      NOT NULL,
  name                     text        NOT NULL,
  native_symbol            text        NOT NULL,
  native_decimals          int         NOT NULL,
  -- 'tags': follow the node's safe/finalized tags; 'depth': count blocks (chains without tags)
  finality_mode            text        NOT NULL DEFAULT 'tags',
  safe_depth               int         NOT NULL DEFAULT 32,
  finalized_depth          int         NOT NULL DEFAULT 64,
  max_fee_per_gas_cap      txrelay.wei NOT NULL DEFAULT 500000000000,  -- 500 gwei
  max_priority_fee_cap     txrelay.wei NOT NULL DEFAULT 50000000000,   -- 50 gwei
  max_gas_limit            bigint      NOT NULL DEFAULT 1000000,       -- per transaction
  created_at               timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chains_pkey PRIMARY KEY (chain_id),
  CONSTRAINT chains_name_key UNIQUE (name),
  CONSTRAINT chains_chain_id_check CHECK (chain_id > 0),
  CONSTRAINT chains_native_decimals_check CHECK (native_decimals BETWEEN 0 AND 77),
  CONSTRAINT chains_finality_mode_check CHECK (finality_mode IN ('tags', 'depth')),
  CONSTRAINT chains_depth_check CHECK (safe_depth >= 0 AND finalized_depth >= safe_depth),
  CONSTRAINT chains_fee_caps_check CHECK (max_fee_per_gas_cap > 0 AND max_priority_fee_cap <= max_fee_per_gas_cap),
  CONSTRAINT chains_max_gas_limit_check CHECK (max_gas_limit >= 21000)
);

CREATE TABLE txrelay.assets (
  chain_id    bigint      NOT NULL,
  symbol      text        NOT NULL,
  contract    text,                       -- NULL: the chain's native asset; else ERC-20, EIP-55
  decimals    int         NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT assets_pkey PRIMARY KEY (chain_id, symbol),
  CONSTRAINT assets_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id),
  CONSTRAINT assets_contract_key UNIQUE (chain_id, contract),
  CONSTRAINT assets_decimals_check CHECK (decimals BETWEEN 0 AND 77)
);
CREATE UNIQUE INDEX assets_one_native_per_chain_key ON txrelay.assets (chain_id) WHERE contract IS NULL;

CREATE TABLE txrelay.rpc_endpoints (
  endpoint_id          bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  chain_id             bigint      NOT NULL,
  url                  text        NOT NULL,  -- may hold an API key: never shown outside this table
  url_redacted         text        NOT NULL,
  priority             int         NOT NULL DEFAULT 0,  -- lower is tried first
  connect_timeout_ms   int         NOT NULL DEFAULT 3000,
  request_timeout_ms   int         NOT NULL DEFAULT 10000,
  max_requests_per_sec int         NOT NULL DEFAULT 100,
  enabled              boolean     NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rpc_endpoints_pkey PRIMARY KEY (endpoint_id),
  CONSTRAINT rpc_endpoints_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id),
  CONSTRAINT rpc_endpoints_chain_url_key UNIQUE (chain_id, url),
  CONSTRAINT rpc_endpoints_timeouts_check CHECK (connect_timeout_ms > 0 AND request_timeout_ms >= connect_timeout_ms),
  CONSTRAINT rpc_endpoints_rate_check CHECK (max_requests_per_sec > 0)
);

CREATE TABLE txrelay.signers (
  name          text        NOT NULL,
  url           text        NOT NULL,  -- may hold a credential: never shown outside this table
  url_redacted  text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT signers_pkey PRIMARY KEY (name)
);

CREATE TABLE txrelay.senders (
  chain_id          bigint      NOT NULL,
  address           text        NOT NULL,  -- EIP-55
  signer            text,                  -- NULL: client-signed (txrelay.submit_signed)
  next_nonce        bigint,                -- NULL: read from the chain before first use
  status            text        NOT NULL DEFAULT 'active',
  status_reason     text,
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  last_reserved_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT senders_pkey PRIMARY KEY (chain_id, address),
  CONSTRAINT senders_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id),
  CONSTRAINT senders_signer_fkey FOREIGN KEY (signer) REFERENCES txrelay.signers (name),
  CONSTRAINT senders_status_check CHECK (status IN ('active', 'paused', 'quarantined')),
  CONSTRAINT senders_next_nonce_check CHECK (next_nonce >= 0)
);

CREATE TABLE txrelay.risk_tiers (
  tier                    text        NOT NULL,
  auto_approve_below      txrelay.wei NOT NULL,  -- amounts below are approved at request; 0 = never
  completion              text        NOT NULL,  -- 'included:N', 'safe' or 'finalized'
  completion_level        text        NOT NULL,
  completion_confirmations int        NOT NULL,
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT risk_tiers_pkey PRIMARY KEY (tier),
  CONSTRAINT risk_tiers_completion_level_check CHECK (completion_level IN ('included', 'safe', 'finalized')),
  CONSTRAINT risk_tiers_confirmations_check CHECK (completion_confirmations >= 0
    AND (completion_level = 'included' OR completion_confirmations = 0))
);

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
  CONSTRAINT withdrawals_pkey PRIMARY KEY (withdrawal_id),
  CONSTRAINT withdrawals_idempotency_key_key UNIQUE (idempotency_key),
  CONSTRAINT withdrawals_asset_fkey FOREIGN KEY (chain_id, asset) REFERENCES txrelay.assets (chain_id, symbol),
  CONSTRAINT withdrawals_risk_tier_fkey FOREIGN KEY (risk_tier) REFERENCES txrelay.risk_tiers (tier),
  CONSTRAINT withdrawals_amount_check CHECK (amount > 0),
  CONSTRAINT withdrawals_fingerprint_check CHECK (octet_length(request_fingerprint) = 32),
  CONSTRAINT withdrawals_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);
CREATE INDEX withdrawals_open_status_idx ON txrelay.withdrawals (status, status_changed_at)
  WHERE status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally');
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
-- request pays the recipient; a gap filler (after a cancel) is a zero-value self-transfer.
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
  CONSTRAINT signature_requests_fee_bump_check CHECK ((kind = 'fee_bump') = (replaces_attempt_id IS NOT NULL)
    AND (kind = 'fee_bump') = (min_max_fee_per_gas IS NOT NULL AND min_max_priority_fee_per_gas IS NOT NULL)),
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

-- What the tracker knows of each chain: the heads it last saw, and the recent canonical blocks
-- (number -> hash, parent) down to the lowest inclusion not yet finalized, to detect reorgs.
CREATE TABLE txrelay.chain_heads (
  chain_id          bigint      NOT NULL,
  latest_number     bigint      NOT NULL,
  latest_hash       bytea       NOT NULL,
  safe_number       bigint      NOT NULL,
  finalized_number  bigint      NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chain_heads_pkey PRIMARY KEY (chain_id),
  CONSTRAINT chain_heads_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id)
);
CREATE TABLE txrelay.chain_blocks (
  chain_id     bigint NOT NULL,
  number       bigint NOT NULL,
  hash         bytea  NOT NULL,
  parent_hash  bytea  NOT NULL,
  CONSTRAINT chain_blocks_pkey PRIMARY KEY (chain_id, number),
  CONSTRAINT chain_blocks_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id)
);

-- Reconciliation (DESIGN §7): txrelay.reconcile() asks for a run, the tracker process performs
-- it (the caller never waits on RPC) and writes the report: per sender, the chain's nonces and
-- balance beside the database's, and the findings.
CREATE TABLE txrelay.reconciliation_runs (
  run_id        bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  requested_by  text        NOT NULL DEFAULT session_user,
  chain_id      bigint,                   -- the chain to reconcile; NULL: every chain
  status        text        NOT NULL DEFAULT 'requested',
  started_at    timestamptz,
  finished_at   timestamptz,
  findings      int,                      -- how many problems the run found
  report        jsonb,                    -- per sender: chain vs database, findings
  error         text,                     -- why a run failed (the node could not be read)
  domain_counts jsonb,                    -- txrelay._domain_counts(): the counts and where they disagree (NULL: a start-up run)
  CONSTRAINT reconciliation_runs_pkey PRIMARY KEY (run_id),
  CONSTRAINT reconciliation_runs_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id),
  CONSTRAINT reconciliation_runs_status_check CHECK (status IN ('requested', 'running', 'done', 'failed')),
  CONSTRAINT reconciliation_runs_finished_check CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX reconciliation_runs_open_idx ON txrelay.reconciliation_runs (run_id) WHERE status IN ('requested', 'running');
CREATE INDEX reconciliation_runs_finished_idx ON txrelay.reconciliation_runs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per (account, chain, asset): the running totals of its ledger entries and the hash of
-- its last entry. Written only by the ledger trigger, under this row's lock, so reservations of
-- one account serialise and its hash chain never forks. verify_ledger() recomputes it all.
CREATE TABLE txrelay.ledger_accounts (
  account        text        NOT NULL,
  chain_id       bigint      NOT NULL,
  asset          text        NOT NULL,
  credited       txrelay.wei NOT NULL DEFAULT 0,
  reserved       txrelay.wei NOT NULL DEFAULT 0,
  spent          txrelay.wei NOT NULL DEFAULT 0,
  entry_count    bigint      NOT NULL DEFAULT 0,
  last_entry_id  bigint,
  last_hash      bytea,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_accounts_pkey PRIMARY KEY (account, chain_id, asset),
  CONSTRAINT ledger_accounts_asset_fkey FOREIGN KEY (chain_id, asset) REFERENCES txrelay.assets (chain_id, symbol),
  CONSTRAINT ledger_accounts_available_check CHECK (reserved + spent <= credited)
);

-- Append-only. CREDIT (reference), RESERVE at request, then at most one of COMMIT / RELEASE.
CREATE TABLE txrelay.ledger_entries (
  entry_id       bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  account_seq    bigint      NOT NULL DEFAULT 0,  -- position in the account's history, set by the trigger
  kind           text        NOT NULL,
  account        text        NOT NULL,
  chain_id       bigint      NOT NULL,
  asset          text        NOT NULL,
  amount         txrelay.wei NOT NULL,
  fee            txrelay.wei NOT NULL DEFAULT 0,  -- gas paid by the hot wallet (COMMIT, RELEASE)
  withdrawal_id  uuid,
  reference      text,                            -- the credit's idempotency reference
  prev_hash      bytea,                           -- hash of the account's previous entry
  hash           bytea       NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_pkey PRIMARY KEY (entry_id),
  CONSTRAINT ledger_entries_account_fkey FOREIGN KEY (account, chain_id, asset) REFERENCES txrelay.ledger_accounts (account, chain_id, asset),
  CONSTRAINT ledger_entries_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT ledger_entries_reference_key UNIQUE (reference),
  CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('CREDIT', 'RESERVE', 'COMMIT', 'RELEASE')),
  CONSTRAINT ledger_entries_amount_check CHECK (amount > 0),
  CONSTRAINT ledger_entries_shape_check CHECK (CASE kind
    WHEN 'CREDIT' THEN reference IS NOT NULL AND withdrawal_id IS NULL AND fee = 0
    WHEN 'RESERVE' THEN withdrawal_id IS NOT NULL AND reference IS NULL AND fee = 0
    ELSE withdrawal_id IS NOT NULL AND reference IS NULL END),
  CONSTRAINT ledger_entries_hash_check CHECK (octet_length(hash) = 32 AND (prev_hash IS NULL OR octet_length(prev_hash) = 32))
);
CREATE UNIQUE INDEX ledger_entries_reserve_once_key ON txrelay.ledger_entries (withdrawal_id) WHERE kind = 'RESERVE';
CREATE UNIQUE INDEX ledger_entries_resolve_once_key ON txrelay.ledger_entries (withdrawal_id) WHERE kind IN ('COMMIT', 'RELEASE');
CREATE UNIQUE INDEX ledger_entries_account_seq_key ON txrelay.ledger_entries (account, chain_id, asset, account_seq);

-- Ledger checkpoints, the "state versions" of DESIGN §8 (docs/decisions.md 51). Version N holds,
-- for each account that changed since version N-1, its totals and its position in its own hash
-- chain (entry_count, last_hash); an account's state at N is its newest row at or below N. Entry
-- ids commit out of order, so the cut is per account, by account_seq, never one global entry id.
-- The hash covers the previous version's hash: version N's hash stands for the whole ledger up to
-- it, and two nodes with the same hash hold the same ledger. Taken by the tracker on a schedule
-- (txrelay.ledger_checkpoint_interval) or by take_ledger_checkpoint(); verify_ledger() starts
-- from the newest one.
CREATE TABLE txrelay.ledger_checkpoints (
  version        bigint      NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT now(),
  taken_by       text        NOT NULL DEFAULT session_user,
  -- Transactions from this one on may postdate the checkpoint: verify_ledger() rechecks the
  -- withdrawals they touched (withdrawal_events.xact_id).
  snapshot_xmin  xid8        NOT NULL,
  prev_hash      bytea,
  hash           bytea       NOT NULL,
  CONSTRAINT ledger_checkpoints_pkey PRIMARY KEY (version),
  CONSTRAINT ledger_checkpoints_version_check CHECK (version > 0),
  CONSTRAINT ledger_checkpoints_chain_check CHECK ((version = 1) = (prev_hash IS NULL)),
  CONSTRAINT ledger_checkpoints_hash_check CHECK (octet_length(hash) = 32 AND (prev_hash IS NULL OR octet_length(prev_hash) = 32))
);

CREATE TABLE txrelay.ledger_checkpoint_accounts (
  version      bigint      NOT NULL,
  account      text        NOT NULL,
  chain_id     bigint      NOT NULL,
  asset        text        NOT NULL,
  credited     txrelay.wei NOT NULL,
  reserved     txrelay.wei NOT NULL,
  spent        txrelay.wei NOT NULL,
  entry_count  bigint      NOT NULL,  -- the account's entries covered: account_seq 1 .. entry_count
  last_hash    bytea       NOT NULL,  -- the hash of its entry at entry_count
  CONSTRAINT ledger_checkpoint_accounts_pkey PRIMARY KEY (account, chain_id, asset, version),
  CONSTRAINT ledger_checkpoint_accounts_version_fkey FOREIGN KEY (version) REFERENCES txrelay.ledger_checkpoints (version),
  CONSTRAINT ledger_checkpoint_accounts_account_fkey FOREIGN KEY (account, chain_id, asset)
    REFERENCES txrelay.ledger_accounts (account, chain_id, asset),
  CONSTRAINT ledger_checkpoint_accounts_entry_count_check CHECK (entry_count > 0),
  CONSTRAINT ledger_checkpoint_accounts_hash_check CHECK (octet_length(last_hash) = 32)
);
CREATE INDEX ledger_checkpoint_accounts_version_idx ON txrelay.ledger_checkpoint_accounts (version);

-- Checkpoints the tracker could not take because verify_ledger() found problems (TR010): the
-- ledger_verification_failed alert shows the newest until that version is taken after a repair.
CREATE TABLE txrelay.ledger_checkpoint_refusals (
  refusal_id   bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  refused_at   timestamptz NOT NULL DEFAULT now(),
  version      bigint      NOT NULL,  -- the version that was not taken
  message      text        NOT NULL,  -- TR010's message: the first problem and how many were found
  CONSTRAINT ledger_checkpoint_refusals_pkey PRIMARY KEY (refusal_id)
);

-- Append-only: one row per status transition (and per operator note) of a withdrawal.
CREATE TABLE txrelay.withdrawal_events (
  event_id       bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  withdrawal_id  uuid        NOT NULL,
  event          text        NOT NULL,  -- 'status' or a note such as 'requeued'
  from_status    text,
  to_status      text        NOT NULL,
  reason         text,
  actor          text        NOT NULL DEFAULT session_user,
  detail         jsonb       NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- The writing transaction: events_since() orders by it, as ids commit out of order.
  xact_id        xid8        NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
  CONSTRAINT withdrawal_events_pkey PRIMARY KEY (event_id),
  CONSTRAINT withdrawal_events_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id)
);
CREATE INDEX withdrawal_events_withdrawal_idx ON txrelay.withdrawal_events (withdrawal_id, event_id);
CREATE INDEX withdrawal_events_feed_idx ON txrelay.withdrawal_events (xact_id, event_id);

-- The transactional outbox: written in the same transaction as the business change, delivered
-- at least once by a worker (claimed with FOR UPDATE SKIP LOCKED and a lease).
CREATE TABLE txrelay.outbox (
  outbox_id             bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  kind                  text        NOT NULL,  -- 'sign': a signature request for the signer
  chain_id              bigint      NOT NULL,
  withdrawal_id         uuid,
  signature_request_id  uuid,
  attempt_id            uuid,
  status                text        NOT NULL DEFAULT 'pending',
  tries                 int         NOT NULL DEFAULT 0,
  available_at          timestamptz NOT NULL DEFAULT now(),
  lease_owner           text,
  lease_expires_at      timestamptz,
  last_error            text,
  requeue_count         int         NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  done_at               timestamptz,
  CONSTRAINT outbox_pkey PRIMARY KEY (outbox_id),
  CONSTRAINT outbox_chain_id_fkey FOREIGN KEY (chain_id) REFERENCES txrelay.chains (chain_id),
  CONSTRAINT outbox_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT outbox_signature_request_id_fkey FOREIGN KEY (signature_request_id) REFERENCES txrelay.signature_requests (signature_request_id),
  CONSTRAINT outbox_attempt_id_fkey FOREIGN KEY (attempt_id) REFERENCES txrelay.attempts (attempt_id),
  CONSTRAINT outbox_kind_check CHECK (kind IN ('sign', 'broadcast')),
  CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'leased', 'done', 'dead', 'cancelled')),
  CONSTRAINT outbox_tries_check CHECK (tries >= 0)
);
CREATE INDEX outbox_ready_idx ON txrelay.outbox (available_at, outbox_id) WHERE status IN ('pending', 'leased');
CREATE INDEX outbox_dead_idx ON txrelay.outbox (outbox_id) WHERE status = 'dead';
CREATE INDEX outbox_withdrawal_idx ON txrelay.outbox (withdrawal_id);
-- A job is found by its attempt (the broadcaster takes the send of what it just signed; the
-- tracker cancels what an inclusion made moot) or its signature request: by index, as the outbox
-- only grows (bench/pipeline.sh: a scan per signed transaction cost 1 ms at a few thousand rows).
CREATE INDEX outbox_attempt_idx ON txrelay.outbox (attempt_id) WHERE attempt_id IS NOT NULL;
CREATE INDEX outbox_signature_request_idx ON txrelay.outbox (signature_request_id) WHERE signature_request_id IS NOT NULL;

-- Append-only audit of every JSON-RPC call (written by the workers; DESIGN §6).
CREATE TABLE txrelay.rpc_calls (
  call_id          bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
  correlation_id   uuid        NOT NULL,  -- one per HTTP exchange, sent as X-Request-Id
  endpoint_id      bigint,                -- NULL for a signer
  target           text,                  -- the redacted URL called
  chain_id         bigint,
  method           text        NOT NULL,
  request          text        NOT NULL,  -- this call's JSON-RPC request
  response         text,                  -- its reply, or the raw body when there was no JSON-RPC reply
  http_status      int,
  outcome          text        NOT NULL,  -- DESIGN §6 class: ok, rpc_error, connect_failed, ...
  error_class      text,                  -- for sends: known, nonce_used, underpriced, ...
  latency_ms       double precision,
  withdrawal_id    uuid,
  attempt_id       uuid,
  idempotency_key  text,
  nonce_key        text,
  tx_hash          bytea,
  started_at       timestamptz,           -- when the request left the worker
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rpc_calls_pkey PRIMARY KEY (call_id),
  CONSTRAINT rpc_calls_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES txrelay.rpc_endpoints (endpoint_id),
  CONSTRAINT rpc_calls_outcome_check CHECK (outcome IN ('ok', 'rpc_error', 'connect_failed', 'connect_timeout', 'send_failed',
                                                        'read_timeout', 'http_429', 'http_5xx', 'bad_response'))
);
CREATE INDEX rpc_calls_withdrawal_idx ON txrelay.rpc_calls (withdrawal_id) WHERE withdrawal_id IS NOT NULL;
CREATE INDEX rpc_calls_created_idx ON txrelay.rpc_calls (created_at);

-- ---------------------------------------------------------------------------------------------
-- Triggers (C++, src/api): ENABLE ALWAYS, so that session_replication_role = replica does not
-- switch them off either.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION txrelay._refuse_history_change() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_refuse_history_change';
CREATE FUNCTION txrelay._withdrawals_check() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_withdrawals_check';
CREATE FUNCTION txrelay._withdrawals_record_event() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_withdrawals_record_event';
CREATE FUNCTION txrelay._ledger_entries_post() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_ledger_entries_post';
CREATE FUNCTION txrelay._wake_workers() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_wake_workers';
CREATE FUNCTION txrelay._ledger_accounts_guard() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_ledger_accounts_guard';

DO $triggers$
DECLARE
  t text;
BEGIN
  -- Append-only history: no UPDATE, DELETE or TRUNCATE, for any role.
  FOREACH t IN ARRAY ARRAY['ledger_entries', 'withdrawal_events', 'rpc_calls', 'approvals', 'nonce_reservations',
                           'ledger_checkpoints', 'ledger_checkpoint_accounts', 'ledger_checkpoint_refusals']
  LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON txrelay.%I FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_append_only', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON txrelay.%I FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_truncate', t);
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_append_only');
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_truncate');
  END LOOP;
  -- Rows whose status moves but which are never removed.
  FOREACH t IN ARRAY ARRAY['withdrawals', 'signature_requests', 'attempts', 'ledger_accounts', 'reconciliation_runs']
  LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE DELETE ON txrelay.%I FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_delete', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE TRUNCATE ON txrelay.%I FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change()', t || '_no_truncate', t);
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_delete');
    EXECUTE pg_catalog.format('ALTER TABLE txrelay.%I ENABLE ALWAYS TRIGGER %I', t, t || '_no_truncate');
  END LOOP;
END
$triggers$;

-- The state machine (DESIGN §4): initial status, allowed transitions, immutable request fields.
CREATE TRIGGER withdrawals_state_machine BEFORE INSERT OR UPDATE ON txrelay.withdrawals
  FOR EACH ROW EXECUTE FUNCTION txrelay._withdrawals_check();
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_state_machine;
-- Every transition writes a withdrawal_events row (AFTER: the row exists for the foreign key).
CREATE TRIGGER withdrawals_events AFTER INSERT OR UPDATE OF status ON txrelay.withdrawals
  FOR EACH ROW EXECUTE FUNCTION txrelay._withdrawals_record_event();
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_events;
-- Every ledger entry: pairing and balance rules, account totals, hash chain.
CREATE TRIGGER ledger_entries_post BEFORE INSERT ON txrelay.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION txrelay._ledger_entries_post();
ALTER TABLE txrelay.ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_post;
-- Queued work wakes the broadcaster at commit (DESIGN §5), whoever queued it.
CREATE TRIGGER outbox_wake_workers AFTER INSERT OR UPDATE ON txrelay.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._wake_workers();
ALTER TABLE txrelay.outbox ENABLE ALWAYS TRIGGER outbox_wake_workers;
-- Account totals are written by that trigger only.
CREATE TRIGGER ledger_accounts_guard BEFORE INSERT OR UPDATE ON txrelay.ledger_accounts
  FOR EACH ROW EXECUTE FUNCTION txrelay._ledger_accounts_guard();
ALTER TABLE txrelay.ledger_accounts ENABLE ALWAYS TRIGGER ledger_accounts_guard;

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

CREATE FUNCTION txrelay.set_risk_tier(tier text, auto_approve_below numeric, completion text)
  RETURNS txrelay.risk_tiers LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_set_risk_tier';

CREATE FUNCTION txrelay.credit(account text, chain_id bigint, asset text, amount numeric, reference text)
  RETURNS bigint LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_credit';

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

-- What client-signed senders must sign: their pending signature requests, oldest first.
CREATE FUNCTION txrelay.pending_signature_requests(chain_id bigint DEFAULT NULL)
  RETURNS TABLE (signature_request_id uuid, withdrawal_id uuid, kind text, chain_id bigint, from_address text,
                 nonce bigint, to_address text, value numeric, data bytea, created_at timestamptz,
                 min_max_fee_per_gas numeric, min_max_priority_fee_per_gas numeric)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $pending$
  SELECT s.signature_request_id, s.withdrawal_id, s.kind, s.chain_id, s.from_address, s.nonce, s.to_address,
         s.value, s.data, s.created_at, s.min_max_fee_per_gas, s.min_max_priority_fee_per_gas
    FROM txrelay.signature_requests s
    JOIN txrelay.senders d ON d.chain_id = s.chain_id AND d.address = s.from_address
   WHERE s.status = 'pending' AND d.signer IS NULL
     AND (pending_signature_requests.chain_id IS NULL OR s.chain_id = pending_signature_requests.chain_id)
   ORDER BY s.created_at, s.nonce
$pending$;

-- Writes shared by the SQL API (src/api) and the workers (bgworker), which meet only through the
-- database (DESIGN §10): a note in a withdrawal's history without a status change, and a signing
-- job in the outbox (whose trigger wakes the broadcaster at commit).
-- (plpgsql, not sql: a SQL function called through SPI is planned again at every call, a
-- plpgsql one keeps its plan for the session - 7 % of an intake call, bench/intake.sh.)
CREATE FUNCTION txrelay._add_note(withdrawal_id uuid, event text, reason text, detail jsonb)
  RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $note$
BEGIN
  INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason, detail)
  SELECT w.withdrawal_id, _add_note.event, w.status, w.status, _add_note.reason, _add_note.detail
    FROM txrelay.withdrawals w WHERE w.withdrawal_id = _add_note.withdrawal_id;
END
$note$;

CREATE FUNCTION txrelay._enqueue_sign(chain_id bigint, withdrawal_id uuid, signature_request_id uuid)
  RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $enqueue$
BEGIN
  INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id)
  VALUES ('sign', _enqueue_sign.chain_id, _enqueue_sign.withdrawal_id, _enqueue_sign.signature_request_id);
END
$enqueue$;

-- The chains the tracker has work on: a withdrawal between signed and finalized, an attempt not
-- yet in a block, or an inclusion above the chain's finalized head. Each test is an index probe
-- per chain (the highest inclusion by max(), which reads one index entry): a round costs the same
-- with 10^6 finished withdrawals as with none (bench/cost_growth.sh). The union it replaces
-- scanned every attempt ever included, 0.56 s a round at 10^6.
CREATE FUNCTION txrelay._chains_to_track() RETURNS SETOF bigint
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $track$
BEGIN
  RETURN QUERY
  SELECT c.chain_id FROM txrelay.chains c
   WHERE EXISTS (SELECT FROM txrelay.withdrawals w
                  WHERE w.chain_id = c.chain_id AND w.status IN ('signed', 'broadcasted', 'included', 'safe', 'reorged'))
      OR EXISTS (SELECT FROM txrelay.attempts a WHERE a.chain_id = c.chain_id AND a.status IN ('created', 'sent'))
      OR (SELECT max(a.block_number) FROM txrelay.attempts a WHERE a.chain_id = c.chain_id AND a.status = 'included')
         > (SELECT h.finalized_number FROM txrelay.chain_heads h WHERE h.chain_id = c.chain_id)
   ORDER BY c.chain_id;
END
$track$;

-- Asks the tracker for a reconciliation run of one chain (NULL: all) and returns its id at once
-- (the run itself reads the chain). A run of the same scope already requested or running is
-- returned instead of queueing another, so a frequent pg_cron schedule cannot pile runs up.
CREATE FUNCTION txrelay.reconcile(chain_id bigint DEFAULT NULL) RETURNS bigint
  LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_reconcile';

-- The application's catch-up feed (NOTIFY is only a hint). Event ids are drawn before commit, so
-- id order is not commit order: a reader that skipped past id 43 could miss id 41 committed a
-- moment later. The feed therefore returns only events of transactions older than every
-- transaction still running (snapshot xmin), in (transaction, id) order, and its opaque position
-- is that pair: whatever commits later sorts after it.
CREATE FUNCTION txrelay.events_since(after_position text DEFAULT NULL, max_rows int DEFAULT 1000)
  RETURNS TABLE (feed_position text, event_id bigint, withdrawal_id uuid, idempotency_key text, event text,
                 from_status text, to_status text, reason text, detail jsonb, created_at timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $since$
DECLARE
  after_xact xid8 := '0';
  after_id bigint := 0;
BEGIN
  IF after_position IS NOT NULL THEN
    IF after_position !~ '^[0-9]{1,19}:[0-9]{1,19}$' THEN
      RAISE EXCEPTION 'after_position is not a position returned by events_since'
        USING ERRCODE = '22023', DETAIL = format('Got %L.', after_position), HINT = 'Start with NULL.';
    END IF;
    after_xact := split_part(after_position, ':', 1)::xid8;
    after_id := split_part(after_position, ':', 2)::bigint;
  END IF;
  IF max_rows IS NULL OR max_rows NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'max_rows must be between 1 and 10000' USING ERRCODE = '22023',
      DETAIL = format('Got %s.', coalesce(max_rows::text, 'NULL'));
  END IF;
  RETURN QUERY
    SELECT e.xact_id::text || ':' || e.event_id, e.event_id, e.withdrawal_id, w.idempotency_key, e.event,
           e.from_status, e.to_status, e.reason, e.detail, e.created_at
      FROM txrelay.withdrawal_events e JOIN txrelay.withdrawals w ON w.withdrawal_id = e.withdrawal_id
     WHERE (e.xact_id, e.event_id) > (after_xact, after_id)
       AND e.xact_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY e.xact_id, e.event_id
     LIMIT max_rows;
END
$since$;

CREATE FUNCTION txrelay.state_transitions(OUT from_status text, OUT to_status text)
  RETURNS SETOF record LANGUAGE c IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_state_transitions';

-- The hash of one ledger entry, computed by the same C++ code as the ledger trigger.
CREATE FUNCTION txrelay._ledger_entry_hash(prev_hash bytea, entry_id bigint, account_seq bigint, kind text, account text,
                                           chain_id bigint, asset text, amount numeric, fee numeric,
                                           withdrawal_id uuid, reference text, created_at timestamptz)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_entry_hash';

-- The whole story of one withdrawal, in time order.
CREATE FUNCTION txrelay.withdrawal_timeline(withdrawal_id uuid)
  RETURNS TABLE (at timestamptz, source text, what text, detail jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $timeline$
BEGIN
  IF withdrawal_id IS NULL THEN
    RAISE EXCEPTION 'withdrawal_id must not be null' USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.withdrawal_id = withdrawal_timeline.withdrawal_id) THEN
    RAISE EXCEPTION 'withdrawal_id does not name a withdrawal'
      USING ERRCODE = '22023', DETAIL = pg_catalog.format('No withdrawal %s.', withdrawal_id);
  END IF;
  RETURN QUERY
  SELECT t.at, t.source, t.what, t.detail FROM (
    SELECT e.created_at AS at, 'event'::text AS source,
           CASE WHEN e.event = 'status' THEN coalesce(e.from_status || ' -> ', '') || e.to_status ELSE e.event END AS what,
           jsonb_strip_nulls(jsonb_build_object('event_id', e.event_id, 'reason', e.reason, 'actor', e.actor) || e.detail) AS detail,
           1 AS ord, e.event_id AS seq
      FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT a.created_at, 'approval', a.decision,
           jsonb_strip_nulls(jsonb_build_object('approval_id', a.approval_id, 'policy_decision_id', a.policy_decision_id,
                                                'decided_by', a.decided_by, 'reason', a.reason)), 2, 0
      FROM txrelay.approvals a WHERE a.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT n.created_at, 'nonce', 'reserved', jsonb_build_object('nonce_key', n.nonce_key, 'nonce', n.nonce), 3, 0
      FROM txrelay.nonce_reservations n WHERE n.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT s.created_at, 'signature_request', s.kind || ' ' || s.status,
           jsonb_build_object('signature_request_id', s.signature_request_id, 'nonce', s.nonce,
                              'to', s.to_address, 'value', s.value, 'data', '0x' || encode(s.data, 'hex')), 4, 0
      FROM txrelay.signature_requests s WHERE s.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT o.created_at, 'outbox', o.kind || ' ' || o.status,
           jsonb_strip_nulls(jsonb_build_object('outbox_id', o.outbox_id, 'tries', o.tries, 'last_error', o.last_error,
                                                'signature_request_id', o.signature_request_id, 'attempt_id', o.attempt_id)), 5, o.outbox_id
      FROM txrelay.outbox o WHERE o.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT att.created_at, 'attempt', att.status,
           jsonb_build_object('attempt_id', att.attempt_id, 'tx_hash', '0x' || encode(att.tx_hash, 'hex'), 'nonce', att.nonce,
                              'max_fee_per_gas', att.max_fee_per_gas, 'max_priority_fee_per_gas', att.max_priority_fee_per_gas), 6, 0
      FROM txrelay.attempts att WHERE att.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT r.created_at, 'rpc', r.method || ' ' || r.outcome,
           jsonb_strip_nulls(jsonb_build_object('call_id', r.call_id, 'correlation_id', r.correlation_id, 'http_status', r.http_status,
                                                'latency_ms', r.latency_ms, 'attempt_id', r.attempt_id,
                                                'tx_hash', '0x' || encode(r.tx_hash, 'hex'))), 7, r.call_id
      FROM txrelay.rpc_calls r WHERE r.withdrawal_id = withdrawal_timeline.withdrawal_id
    UNION ALL
    SELECT l.created_at, 'ledger', l.kind,
           jsonb_build_object('entry_id', l.entry_id, 'account', l.account, 'asset', l.asset, 'amount', l.amount, 'fee', l.fee), 8, l.entry_id
      FROM txrelay.ledger_entries l WHERE l.withdrawal_id = withdrawal_timeline.withdrawal_id
  ) t
  ORDER BY t.at, t.ord, t.seq;
END
$timeline$;

CREATE FUNCTION txrelay._ledger_checkpoint_account_hash(account text, chain_id bigint, asset text, credited numeric,
                                                        reserved numeric, spent numeric, entry_count bigint, last_hash bytea)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_checkpoint_account_hash';
CREATE FUNCTION txrelay._ledger_checkpoint_hash(prev_hash bytea, version bigint, taken_at timestamptz, account_hashes bytea)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_checkpoint_hash';

-- A checkpoint's hash from its number, time, the previous hash and its accounts' hashes in byte
-- order of their keys (COLLATE "C": the same order on every node, whatever the database's default
-- collation). Taking a checkpoint and verifying one both call this.
CREATE FUNCTION txrelay._ledger_checkpoint_hash_of(version bigint, taken_at timestamptz, prev_hash bytea,
                                                   accounts txrelay.ledger_checkpoint_accounts[]) RETURNS bytea
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $digest$
  SELECT txrelay._ledger_checkpoint_hash(_ledger_checkpoint_hash_of.prev_hash, _ledger_checkpoint_hash_of.version,
                                         _ledger_checkpoint_hash_of.taken_at, coalesce(
           string_agg(txrelay._ledger_checkpoint_account_hash(a.account, a.chain_id, a.asset, a.credited, a.reserved,
                                                              a.spent, a.entry_count, a.last_hash),
                      ''::bytea ORDER BY a.account COLLATE "C", a.chain_id, a.asset COLLATE "C"), ''::bytea))
    FROM unnest(accounts) a
$digest$;

-- The ledger's problems from checkpoint `from_version` on (0: the whole history). No rows =
-- consistent. Checks each account's totals against its state at that checkpoint plus its entries
-- after it, every later entry's hash and its link to the one before, the checkpoints from there on
-- (numbering, links, hashes, and each recorded account state against the entries), and the
-- RESERVE / COMMIT / RELEASE pairing of the withdrawals touched since (all of them from 0).
-- (jit = off: its many branches cross jit_above_cost, and compiling took far longer than the
-- check itself - seconds against milliseconds, bench/metrics_cost.sh; decision 49.)
CREATE FUNCTION txrelay._ledger_problems(from_version bigint)
  RETURNS TABLE (problem text, details jsonb)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $problems$
  WITH base AS (  -- every account, with its state at the starting checkpoint (zeros before any)
    SELECT a.account, a.chain_id, a.asset, a.credited, a.reserved, a.spent, a.entry_count, a.last_hash, a.last_entry_id,
           coalesce(b.credited, 0) AS base_credited, coalesce(b.reserved, 0) AS base_reserved,
           coalesce(b.spent, 0) AS base_spent, coalesce(b.entry_count, 0) AS base_count, b.last_hash AS base_hash
      FROM txrelay.ledger_accounts a
      LEFT JOIN LATERAL (
        SELECT cp.credited, cp.reserved, cp.spent, cp.entry_count, cp.last_hash
          FROM txrelay.ledger_checkpoint_accounts cp
         WHERE cp.account = a.account AND cp.chain_id = a.chain_id AND cp.asset = a.asset AND cp.version <= from_version
         ORDER BY cp.version DESC LIMIT 1) b ON true
  ), chained AS (  -- the entries after it, with the expected link and the running totals
    SELECT e.*, b.base_count + row_number() OVER w AS position,
           coalesce(lag(e.hash) OVER w, b.base_hash) AS expected_prev,
           txrelay._ledger_entry_hash(e.prev_hash, e.entry_id, e.account_seq, e.kind, e.account, e.chain_id, e.asset,
                                      e.amount, e.fee, e.withdrawal_id, e.reference, e.created_at) AS recomputed,
           b.base_credited + coalesce(sum(e.amount) FILTER (WHERE e.kind = 'CREDIT') OVER w, 0) AS run_credited,
           b.base_reserved + coalesce(sum(e.amount) FILTER (WHERE e.kind = 'RESERVE') OVER w, 0)
             - coalesce(sum(e.amount) FILTER (WHERE e.kind IN ('COMMIT', 'RELEASE')) OVER w, 0) AS run_reserved,
           b.base_spent + coalesce(sum(e.amount) FILTER (WHERE e.kind = 'COMMIT') OVER w, 0) AS run_spent
      FROM base b
      JOIN txrelay.ledger_entries e
        ON e.account = b.account AND e.chain_id = b.chain_id AND e.asset = b.asset AND e.account_seq > b.base_count
    WINDOW w AS (PARTITION BY e.account, e.chain_id, e.asset ORDER BY e.account_seq)
  ), last_entry AS (
    SELECT DISTINCT ON (c.account, c.chain_id, c.asset) c.*
      FROM chained c ORDER BY c.account, c.chain_id, c.asset, c.account_seq DESC
  ), totals AS (  -- each account's totals as the checkpoint and its entries give them
    SELECT b.*, coalesce(l.run_credited, b.base_credited) AS want_credited,
           coalesce(l.run_reserved, b.base_reserved) AS want_reserved,
           coalesce(l.run_spent, b.base_spent) AS want_spent, coalesce(l.position, b.base_count) AS want_count,
           -- with entries after the checkpoint, the head check below ties last_hash to the last one
           CASE WHEN l.entry_id IS NULL THEN b.base_hash ELSE b.last_hash END AS want_hash
      FROM base b LEFT JOIN last_entry l USING (account, chain_id, asset)
  ), versions AS (  -- the checkpoints from the starting one on, beside the one before each
    SELECT c.version, c.prev_hash, c.hash, lag(c.version) OVER v AS prev_version, lag(c.hash) OVER v AS expected_prev,
           txrelay._ledger_checkpoint_hash_of(c.version, c.taken_at, c.prev_hash,
             ARRAY(SELECT a FROM txrelay.ledger_checkpoint_accounts a WHERE a.version = c.version)) AS recomputed
      FROM txrelay.ledger_checkpoints c WHERE c.version >= from_version - 1
    WINDOW v AS (ORDER BY c.version)
  ), touched AS (  -- withdrawals with entries or events since the checkpoint
    SELECT c.withdrawal_id FROM chained c WHERE c.withdrawal_id IS NOT NULL AND from_version > 0
    UNION
    SELECT e.withdrawal_id FROM txrelay.withdrawal_events e
     WHERE from_version > 0
       AND e.xact_id >= (SELECT cp.snapshot_xmin FROM txrelay.ledger_checkpoints cp WHERE cp.version = from_version)
       -- (always true for a visible row; as a closed range the planner reads the xact_id index
       -- instead of guessing a third of all events and scanning them)
       AND e.xact_id < pg_snapshot_xmax(pg_current_snapshot())
  ), scope AS (  -- the withdrawals to check: all of them, or those touched since the checkpoint
    -- (joins, not IN (subquery): a subplan too big to hash would be re-read for every withdrawal)
    SELECT w.withdrawal_id, w.idempotency_key, w.status, w.amount, w.completed_at,
           w.account || '/' || w.chain_id || '/' || w.asset AS account_key
      FROM txrelay.withdrawals w WHERE from_version = 0
    UNION ALL
    SELECT w.withdrawal_id, w.idempotency_key, w.status, w.amount, w.completed_at,
           w.account || '/' || w.chain_id || '/' || w.asset
      FROM touched t JOIN txrelay.withdrawals w ON w.withdrawal_id = t.withdrawal_id
  ), pairs AS (
    SELECT s.*, r.n_reserve, r.reserved_amount, r.reserve_entry, r.reserve_accounts,
           x.n_resolve, x.resolved_amount, x.resolve_entry, x.resolve_accounts, x.committed, x.released
      FROM scope s
      CROSS JOIN LATERAL (
        SELECT count(*) AS n_reserve, min(e.amount) AS reserved_amount, min(e.entry_id) AS reserve_entry,
               array_agg(DISTINCT e.account || '/' || e.chain_id || '/' || e.asset) AS reserve_accounts
          FROM txrelay.ledger_entries e WHERE e.withdrawal_id = s.withdrawal_id AND e.kind = 'RESERVE') r
      CROSS JOIN LATERAL (
        SELECT count(*) AS n_resolve, min(e.amount) AS resolved_amount, min(e.entry_id) AS resolve_entry,
               array_agg(DISTINCT e.account || '/' || e.chain_id || '/' || e.asset) AS resolve_accounts,
               coalesce(bool_or(e.kind = 'COMMIT'), false) AS committed, coalesce(bool_or(e.kind = 'RELEASE'), false) AS released
          FROM txrelay.ledger_entries e WHERE e.withdrawal_id = s.withdrawal_id AND e.kind IN ('COMMIT', 'RELEASE')) x
  )
  SELECT 'account totals differ from ledger entries',
         jsonb_build_object('account', t.account, 'chain_id', t.chain_id, 'asset', t.asset, 'from_checkpoint', from_version,
                            'stored', jsonb_build_object('credited', t.credited, 'reserved', t.reserved, 'spent', t.spent,
                                                         'entries', t.entry_count, 'last_hash', '0x' || encode(t.last_hash, 'hex')),
                            'from_entries', jsonb_build_object('credited', t.want_credited, 'reserved', t.want_reserved,
                                                               'spent', t.want_spent, 'entries', t.want_count,
                                                               'last_hash', '0x' || encode(t.want_hash, 'hex')))
    FROM totals t
   WHERE (t.credited, t.reserved, t.spent, t.entry_count, t.last_hash)
         IS DISTINCT FROM (t.want_credited, t.want_reserved, t.want_spent, t.want_count, t.want_hash)
  UNION ALL
  SELECT 'negative available balance',
         jsonb_build_object('account', t.account, 'chain_id', t.chain_id, 'asset', t.asset,
                            'available', t.want_credited - t.want_reserved - t.want_spent, 'reserved', t.want_reserved)
    FROM totals t WHERE t.want_credited - t.want_reserved - t.want_spent < 0 OR t.want_reserved < 0
  UNION ALL
  SELECT 'entry hash does not match its contents',
         jsonb_build_object('entry_id', c.entry_id, 'account', c.account, 'kind', c.kind,
                            'stored', '0x' || encode(c.hash, 'hex'), 'recomputed', '0x' || encode(c.recomputed, 'hex'))
    FROM chained c WHERE c.hash IS DISTINCT FROM c.recomputed
  UNION ALL
  SELECT 'entry does not link to the previous entry of its account',
         jsonb_build_object('entry_id', c.entry_id, 'account', c.account, 'chain_id', c.chain_id, 'asset', c.asset,
                            'prev_hash', '0x' || encode(c.prev_hash, 'hex'), 'expected', '0x' || encode(c.expected_prev, 'hex'))
    FROM chained c WHERE c.prev_hash IS DISTINCT FROM c.expected_prev
  UNION ALL
  SELECT 'account history has a gap',
         jsonb_build_object('entry_id', c.entry_id, 'account', c.account, 'chain_id', c.chain_id, 'asset', c.asset,
                            'account_seq', c.account_seq, 'expected', c.position)
    FROM chained c WHERE c.account_seq <> c.position
  UNION ALL
  SELECT 'account head hash differs from its last entry',
         jsonb_build_object('account', b.account, 'chain_id', b.chain_id, 'asset', b.asset, 'last_entry_id', b.last_entry_id)
    FROM base b LEFT JOIN txrelay.ledger_entries e ON e.entry_id = b.last_entry_id
   WHERE b.last_hash IS DISTINCT FROM e.hash
  UNION ALL
  SELECT 'checkpoint is out of sequence or does not link to the one before',
         jsonb_build_object('version', v.version, 'previous_version', v.prev_version,
                            'prev_hash', '0x' || encode(v.prev_hash, 'hex'), 'expected', '0x' || encode(v.expected_prev, 'hex'))
    FROM versions v
   WHERE v.version >= greatest(from_version, 1)
     AND (v.version <> coalesce(v.prev_version, 0) + 1 OR v.prev_hash IS DISTINCT FROM v.expected_prev)
  UNION ALL
  SELECT 'checkpoint hash does not match its accounts',
         jsonb_build_object('version', v.version, 'stored', '0x' || encode(v.hash, 'hex'),
                            'recomputed', '0x' || encode(v.recomputed, 'hex'))
    FROM versions v
   WHERE v.version >= greatest(from_version, 1) AND v.hash IS DISTINCT FROM v.recomputed
  UNION ALL
  SELECT 'checkpoint account differs from the ledger entries',
         jsonb_build_object('version', cp.version, 'account', cp.account, 'chain_id', cp.chain_id, 'asset', cp.asset,
                            'entry_count', cp.entry_count,
                            'checkpoint', jsonb_build_object('credited', cp.credited, 'reserved', cp.reserved, 'spent', cp.spent,
                                                             'last_hash', '0x' || encode(cp.last_hash, 'hex')),
                            'from_entries', jsonb_build_object('credited', c.run_credited, 'reserved', c.run_reserved,
                                                               'spent', c.run_spent, 'last_hash', '0x' || encode(c.hash, 'hex')))
    FROM txrelay.ledger_checkpoint_accounts cp
    LEFT JOIN chained c ON c.account = cp.account AND c.chain_id = cp.chain_id AND c.asset = cp.asset
                       AND c.account_seq = cp.entry_count
   WHERE cp.version > from_version
     AND (c.entry_id IS NULL
          OR (c.run_credited, c.run_reserved, c.run_spent, c.hash) IS DISTINCT FROM (cp.credited, cp.reserved, cp.spent, cp.last_hash))
  UNION ALL
  SELECT 'withdrawal without exactly one RESERVE',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'idempotency_key', p.idempotency_key,
                            'status', p.status, 'reserves', p.n_reserve)
    FROM pairs p WHERE p.n_reserve <> 1
  UNION ALL
  SELECT 'RESERVE resolved more than once, or resolution without RESERVE',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'reserves', p.n_reserve, 'resolutions', p.n_resolve)
    FROM pairs p WHERE p.n_resolve > 1 OR (p.n_resolve > 0 AND p.n_reserve = 0)
  UNION ALL
  SELECT 'resolution differs from its RESERVE',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'reserved', p.reserved_amount, 'resolved', p.resolved_amount,
                            'reserved_on', p.reserve_accounts, 'resolved_on', p.resolve_accounts,
                            'reserve_entry', p.reserve_entry, 'resolve_entry', p.resolve_entry)
    FROM pairs p
   WHERE p.n_resolve > 0 AND p.n_reserve > 0
     AND (p.resolved_amount <> p.reserved_amount OR p.resolve_accounts <> p.reserve_accounts
          OR cardinality(p.resolve_accounts) <> 1 OR p.resolve_entry < p.reserve_entry)
  UNION ALL
  SELECT 'withdrawal amount differs from its RESERVE',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'amount', p.amount, 'reserved', p.reserved_amount,
                            'account', p.account_key, 'reserved_on', p.reserve_accounts)
    FROM pairs p
   WHERE p.n_reserve > 0 AND (p.reserved_amount <> p.amount OR p.reserve_accounts <> ARRAY[p.account_key])
  UNION ALL
  SELECT 'ledger resolution disagrees with withdrawal status',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'idempotency_key', p.idempotency_key, 'status', p.status,
                            'completed_at', p.completed_at, 'committed', p.committed, 'released', p.released)
    FROM pairs p
   WHERE (p.status IN ('rejected', 'cancelled', 'failed', 'replaced_externally') AND NOT p.released)
      OR (p.completed_at IS NOT NULL AND NOT p.committed)
      OR (p.committed AND p.completed_at IS NULL)
      OR (p.released AND p.status NOT IN ('rejected', 'cancelled', 'failed', 'replaced_externally'))
$problems$;

-- No rows = consistent. By default from the newest checkpoint on (each account's state there plus
-- the entries after it; the withdrawals touched since); full_history => true replays everything
-- and checks every checkpoint against the entries - for a restored node, or a daily job.
CREATE FUNCTION txrelay.verify_ledger(full_history boolean DEFAULT false)
  RETURNS TABLE (problem text, details jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $verify$
BEGIN
  IF full_history IS NULL THEN
    RAISE EXCEPTION 'full_history must be true or false' USING ERRCODE = '22023', DETAIL = 'Got NULL.';
  END IF;
  RETURN QUERY SELECT p.problem, p.details FROM txrelay._ledger_problems(
    CASE WHEN full_history THEN 0 ELSE (SELECT coalesce(max(c.version), 0) FROM txrelay.ledger_checkpoints c) END) p;
END
$verify$;

-- A new checkpoint on top of the newest (decision 51): records every account that changed since,
-- checks the stretch between the two with _ledger_problems(), and refuses (TR010, nothing
-- written) if it finds anything, so a checkpoint never vouches for a damaged ledger.
CREATE FUNCTION txrelay.take_ledger_checkpoint() RETURNS txrelay.ledger_checkpoints
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $take$
DECLARE
  prev txrelay.ledger_checkpoints;
  next_version bigint;
  horizon xid8;
  problems jsonb;
  taken txrelay.ledger_checkpoints;
BEGIN
  -- One taker at a time, so versions are numbered without gaps, each on top of the last; readers
  -- are not blocked.
  LOCK TABLE txrelay.ledger_checkpoints IN SHARE ROW EXCLUSIVE MODE;
  SELECT * INTO prev FROM txrelay.ledger_checkpoints ORDER BY version DESC LIMIT 1;
  next_version := coalesce(prev.version, 0) + 1;
  -- Read before the accounts: any transaction the capture below cannot see is at or after it.
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  WITH captured AS (
    SELECT ROW(next_version, a.account, a.chain_id, a.asset, a.credited, a.reserved, a.spent, a.entry_count,
               a.last_hash)::txrelay.ledger_checkpoint_accounts AS account_state
      FROM txrelay.ledger_accounts a
      LEFT JOIN LATERAL (
        SELECT cp.entry_count FROM txrelay.ledger_checkpoint_accounts cp
         WHERE cp.account = a.account AND cp.chain_id = a.chain_id AND cp.asset = a.asset
         ORDER BY cp.version DESC LIMIT 1) b ON true
     WHERE a.entry_count > coalesce(b.entry_count, 0) AND a.last_hash IS NOT NULL
  ), header AS (
    INSERT INTO txrelay.ledger_checkpoints (version, taken_at, snapshot_xmin, prev_hash, hash)
    SELECT next_version, now(), horizon, prev.hash,
           txrelay._ledger_checkpoint_hash_of(next_version, now(), prev.hash, ARRAY(SELECT c.account_state FROM captured c))
    RETURNING *
  )
  INSERT INTO txrelay.ledger_checkpoint_accounts SELECT (c.account_state).* FROM captured c, header;
  SELECT * INTO taken FROM txrelay.ledger_checkpoints WHERE version = next_version;
  SELECT jsonb_agg(jsonb_build_object('problem', p.problem, 'details', p.details)) INTO problems
    FROM (SELECT * FROM txrelay._ledger_problems(coalesce(prev.version, 0)) LIMIT 10) p;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION 'ledger verification failed: % % (% found); checkpoint % not taken',
                    problems -> 0 ->> 'problem', problems -> 0 -> 'details', jsonb_array_length(problems), next_version
      USING ERRCODE = 'TR010', DETAIL = problems::text,
            HINT = 'SELECT * FROM txrelay.verify_ledger(); docs/runbook.md, ledger_verification_failed.';
  END IF;
  RETURN taken;
END
$take$;

-- Domain counts from three sources that must agree (DESIGN §7): the withdrawals' statuses, their
-- creation events and the ledger's entries. requested = completed + ended unpaid + in flight, and
-- RESERVE / COMMIT / RELEASE / open reservations against each. It reads whole histories, so each
-- reconciliation run computes it (a background job), never the alerts view; domain_counts_disagree
-- shows the last run's result.
CREATE FUNCTION txrelay._domain_counts(chain_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $counts$
  WITH w AS (
    SELECT count(*) FILTER (WHERE x.completed_at IS NOT NULL) AS completed,
           count(*) FILTER (WHERE x.status IN ('rejected', 'cancelled', 'failed', 'replaced_externally')) AS ended_unpaid,
           count(*) FILTER (WHERE x.completed_at IS NULL
                              AND x.status NOT IN ('rejected', 'cancelled', 'failed', 'replaced_externally')) AS in_flight
      FROM txrelay.withdrawals x
     WHERE _domain_counts.chain_id IS NULL OR x.chain_id = _domain_counts.chain_id
  ), e AS (
    SELECT count(*) AS requested
      FROM txrelay.withdrawal_events ev JOIN txrelay.withdrawals x ON x.withdrawal_id = ev.withdrawal_id
     WHERE ev.event = 'status' AND ev.from_status IS NULL
       AND (_domain_counts.chain_id IS NULL OR x.chain_id = _domain_counts.chain_id)
  ), l AS (
    SELECT count(*) FILTER (WHERE le.kind = 'RESERVE') AS reserves, count(*) FILTER (WHERE le.kind = 'COMMIT') AS commits,
           count(*) FILTER (WHERE le.kind = 'RELEASE') AS releases
      FROM txrelay.ledger_entries le
     WHERE le.withdrawal_id IS NOT NULL AND (_domain_counts.chain_id IS NULL OR le.chain_id = _domain_counts.chain_id)
  )
  SELECT jsonb_build_object(
           'chain_id', _domain_counts.chain_id, 'requested', e.requested, 'completed', w.completed,
           'ended_unpaid', w.ended_unpaid, 'in_flight', w.in_flight, 'reserve_entries', l.reserves,
           'commit_entries', l.commits, 'release_entries', l.releases,
           'open_reservations', l.reserves - l.commits - l.releases,
           'disagreements', to_jsonb(array_remove(ARRAY[
             CASE WHEN e.requested <> w.completed + w.ended_unpaid + w.in_flight THEN
               format('requested (%s creation events) <> completed (%s) + ended unpaid (%s) + in flight (%s)',
                      e.requested, w.completed, w.ended_unpaid, w.in_flight) END,
             CASE WHEN l.reserves <> e.requested THEN
               format('RESERVE entries (%s) <> requested (%s)', l.reserves, e.requested) END,
             CASE WHEN l.commits <> w.completed THEN
               format('COMMIT entries (%s) <> completed (%s)', l.commits, w.completed) END,
             CASE WHEN l.releases <> w.ended_unpaid THEN
               format('RELEASE entries (%s) <> rejected, cancelled, failed or replaced externally (%s)', l.releases, w.ended_unpaid) END,
             CASE WHEN l.reserves - l.commits - l.releases <> w.in_flight THEN
               format('open reservations (%s) <> in flight (%s)', l.reserves - l.commits - l.releases, w.in_flight) END
           ]::text[], NULL)))
    FROM w, e, l
$counts$;

-- The attempt that speaks for a withdrawal: its inclusion, else its newest (one index probe).
CREATE FUNCTION txrelay._last_attempt(withdrawal_id uuid) RETURNS TABLE (attempt_id uuid, tx_hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $last$
  SELECT a.attempt_id, '0x' || encode(a.tx_hash, 'hex') FROM txrelay.attempts a
   WHERE a.withdrawal_id = _last_attempt.withdrawal_id ORDER BY (a.status = 'included') DESC, a.created_at DESC LIMIT 1
$last$;

-- Open, actionable alerts (DESIGN §7): one row per problem that needs a person, with what broke,
-- where to look, why it matters, what to do and the identifiers. Computed from the tables and
-- pg_stat_activity on every read, so a row disappears when its cause is fixed. Thresholds are the
-- txrelay.alert_* settings (docs/operations.md); the defaults apply where the library is not loaded.
-- (A function with jit = off under each view: the views' many branches cost enough to make the
-- planner JIT-compile them, which takes far longer than running them - bench/metrics_cost.sh.)
CREATE FUNCTION txrelay._alerts()
  RETURNS TABLE (severity text, alert text, what text, where_to_look text, why_it_matters text, what_to_do text,
                 since timestamptz, chain_id bigint, withdrawal_id uuid, idempotency_key text, nonce_key text,
                 attempt_id uuid, tx_hash text, details jsonb)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $alerts$
WITH settings AS (
  SELECT coalesce(current_setting('txrelay.alert_pending_age', true), '1800s')::interval AS pending_age,
         coalesce(current_setting('txrelay.alert_reservation_age', true), '86400s')::interval AS reservation_age,
         coalesce(current_setting('txrelay.alert_rpc_window', true), '300s')::interval AS rpc_window,
         coalesce(current_setting('txrelay.alert_rpc_error_percent', true), '20')::int AS rpc_error_percent,
         coalesce(current_setting('txrelay.alert_rpc_min_calls', true), '10')::int AS rpc_min_calls,
         coalesce(current_setting('txrelay.alert_reconcile_age', true), '86400s')::interval AS reconcile_age,
         coalesce(current_setting('txrelay.alert_spike_min', true), '5')::int AS spike_min,
         coalesce(current_setting('txrelay.ledger_checkpoint_interval', true), '3600s')::interval AS checkpoint_interval,
         coalesce(current_setting('txrelay.alert_tracker_stall', true), '300s')::interval AS tracker_stall,
         coalesce(current_setting('txrelay.broadcaster_max_tries', true), '10')::int AS max_tries
),
newest_checkpoint AS (
  SELECT c.version, c.taken_at FROM txrelay.ledger_checkpoints c ORDER BY c.version DESC LIMIT 1
),
-- Events of the last hour and of the 24 hours before it, for spikes against the usual rate.
recent_events AS (
  SELECT e.event, e.to_status, e.created_at, e.withdrawal_id, e.created_at > now() - interval '1 hour' AS last_hour
    FROM txrelay.withdrawal_events e
   WHERE e.created_at > now() - interval '25 hours'  -- now(), not clock_timestamp(): an index condition
     AND (e.event IN ('dropped', 'nonce_used_externally') OR e.to_status IN ('reorged', 'finalized'))
),
last_run AS (  -- the newest finished reconciliation run
  SELECT r.* FROM txrelay.reconciliation_runs r WHERE r.finished_at IS NOT NULL ORDER BY r.finished_at DESC LIMIT 1
),
-- Reservations neither committed nor released. Only a withdrawal that is open (or finalized by
-- hand before completion) can hold one, so the candidates come from the partial indexes on open
-- withdrawals, not from the whole ledger; a final withdrawal whose RESERVE was never resolved
-- shows up as ledger_reserved_mismatch (and in verify_ledger()).
open_reservations AS (
  SELECT r.withdrawal_id, r.account, r.chain_id, r.asset, r.amount, r.created_at
    FROM (SELECT w.withdrawal_id FROM txrelay.withdrawals w
           WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
          UNION ALL
          SELECT w.withdrawal_id FROM txrelay.withdrawals w WHERE w.status = 'finalized' AND w.completed_at IS NULL) c
    -- (LATERAL ... LIMIT 1: index probes per candidate, never a hash of every RESERVE or resolution)
    CROSS JOIN LATERAL (SELECT e.* FROM txrelay.ledger_entries e
                         WHERE e.withdrawal_id = c.withdrawal_id AND e.kind = 'RESERVE'
                           AND NOT EXISTS (SELECT FROM txrelay.ledger_entries x
                                            WHERE x.withdrawal_id = c.withdrawal_id AND x.kind IN ('COMMIT', 'RELEASE'))
                         LIMIT 1) r
)
SELECT 'critical'::text AS severity, 'dead_letter'::text AS alert,
       format('outbox %s (%s) gave up after %s tries: %s', o.outbox_id, o.kind, o.tries, coalesce(o.last_error, 'no error recorded')) AS what,
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); the rpc_calls of the withdrawal', o.withdrawal_id) AS where_to_look,
       'the withdrawal will not leave until someone acts; the customer is waiting and the amount stays reserved' AS why_it_matters,
       format('fix the cause named above (node, signer, fee caps, balance), then SELECT txrelay.requeue_dead(%s)', o.outbox_id) AS what_to_do,
       o.updated_at AS since, o.chain_id, o.withdrawal_id, w.idempotency_key, n.nonce_key, coalesce(o.attempt_id, la.attempt_id) AS attempt_id,
       la.tx_hash, jsonb_build_object('outbox_id', o.outbox_id, 'kind', o.kind, 'tries', o.tries) AS details
  FROM txrelay.outbox o
  LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = o.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = o.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(o.withdrawal_id) la ON true
 WHERE o.status = 'dead'
UNION ALL
SELECT 'critical', 'sender_quarantined',
       format('sender %s on chain %s is quarantined: %s', s.address, s.chain_id, coalesce(s.status_reason, 'no reason recorded')),
       'SELECT * FROM txrelay.withdrawal_timeline(withdrawal_id) of the withdrawal named here; the chain''s transactions of the sender at that nonce',
       'the chain and the database disagree about this wallet''s nonces: someone else signs with its key, or a failover lost a write; its withdrawals get no nonces until it is cleared',
       format('find who used the nonce (the foreign tx_hash is in the reason); secure the key; then SELECT txrelay.set_sender_status(%s, %L, ''active'', ''<why it is safe>'')', s.chain_id, s.address),
       s.status_changed_at, s.chain_id, x.withdrawal_id, x.idempotency_key, x.nonce_key, x.attempt_id, x.tx_hash,
       jsonb_build_object('sender', s.address)
  FROM txrelay.senders s
  LEFT JOIN LATERAL (
    SELECT w.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash
      FROM txrelay.nonce_reservations n JOIN txrelay.withdrawals w ON w.withdrawal_id = n.withdrawal_id
      LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
     WHERE n.chain_id = s.chain_id AND n.from_address = s.address AND w.status = 'replaced_externally'
     ORDER BY w.status_changed_at DESC LIMIT 1) x ON true
 WHERE s.status = 'quarantined'
UNION ALL
SELECT 'warning', 'fee_bump_at_cap',
       format('withdrawal %s is not in a block and a fee bump would pass chain %s''s fee caps (%s)', w.withdrawal_id, w.chain_id, e.reason),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT max_fee_per_gas_cap, max_priority_fee_cap FROM txrelay.chains WHERE chain_id = %s', w.withdrawal_id, w.chain_id),
       'the transaction is priced below the market and may wait for hours; the nonce blocks every later withdrawal of the sender',
       format('if the market fee is acceptable, raise the caps: SELECT txrelay.set_chain(%s, max_fee_per_gas_cap => ..., max_priority_fee_cap => ...); the next bump goes out by itself', w.chain_id),
       e.created_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, (e.detail ->> 'attempt_id')::uuid, la.tx_hash,
       e.detail
  FROM txrelay.withdrawals w
  JOIN LATERAL (SELECT * FROM txrelay.withdrawal_events v WHERE v.withdrawal_id = w.withdrawal_id AND v.event = 'fee_bump_at_cap'
                 ORDER BY v.event_id DESC LIMIT 1) e ON true
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
 WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
   AND w.status IN ('signed', 'broadcasted', 'reorged')
UNION ALL
SELECT 'warning', 'pending_too_long',
       format('withdrawal %s has been %s for %s without a block', w.withdrawal_id, w.status, date_trunc('second', clock_timestamp() - w.status_changed_at)),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); the node''s view of tx %s', w.withdrawal_id, la.tx_hash),
       'the customer is waiting; a stuck nonce holds back every later withdrawal of the sender',
       'check the tracker is running and the node is synced; a fee bump is requested by itself after txrelay.stuck_blocks blocks (see fee_bump_at_cap)',
       w.status_changed_at, w.chain_id, w.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash,
       jsonb_build_object('threshold', (SELECT pending_age FROM settings)::text)
  FROM txrelay.withdrawals w
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = w.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(w.withdrawal_id) la ON true
 WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
   AND w.status IN ('broadcasted', 'reorged') AND w.status_changed_at < clock_timestamp() - (SELECT pending_age FROM settings)
UNION ALL
SELECT 'warning', 'reservation_open_too_long',
       format('%s %s of account %s reserved by withdrawal %s (%s) for %s, neither committed nor released', r.amount, r.asset, r.account,
              r.withdrawal_id, w.status, date_trunc('second', clock_timestamp() - r.created_at)),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L)', r.withdrawal_id),
       'the customer''s money is held: a withdrawal waiting for approval, signing or finality for this long is forgotten or stuck',
       'approve, reject or cancel it if it waits for a decision; else follow its pending_too_long or dead_letter alert',
       r.created_at, r.chain_id, r.withdrawal_id, w.idempotency_key, n.nonce_key, la.attempt_id, la.tx_hash,
       jsonb_build_object('status', w.status, 'threshold', (SELECT reservation_age FROM settings)::text)
  FROM open_reservations r
  JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = r.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(r.withdrawal_id) la ON true
 WHERE r.created_at < clock_timestamp() - (SELECT reservation_age FROM settings)
UNION ALL
SELECT CASE WHEN c.failed = c.calls THEN 'critical' ELSE 'warning' END, 'rpc_errors',
       format('%s of %s calls to %s failed in the last %s (%s)', c.failed, c.calls, c.target, (SELECT rpc_window FROM settings), c.outcomes),
       format('SELECT created_at, method, outcome, response FROM txrelay.rpc_calls WHERE target = %L ORDER BY call_id DESC LIMIT 20', c.target),
       'sends and confirmations slow down or stop; with every endpoint of a chain failing nothing leaves and nothing is confirmed',
       'check the node or signer (up, synced, rate limits, credentials); add or prefer another endpoint with txrelay.add_rpc_endpoint / set_rpc_endpoint',
       c.first_failure, c.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('endpoint_id', c.endpoint_id, 'target', c.target, 'calls', c.calls, 'failed', c.failed)
  FROM (SELECT k.endpoint_id, k.target, k.chain_id, count(*) AS calls, count(*) FILTER (WHERE k.outcome <> 'ok') AS failed,
               min(k.created_at) FILTER (WHERE k.outcome <> 'ok') AS first_failure,
               (SELECT string_agg(o || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT k2.outcome AS o, count(*) AS n FROM txrelay.rpc_calls k2
                  WHERE k2.created_at > now() - (SELECT rpc_window FROM settings) AND k2.target IS NOT DISTINCT FROM k.target
                    AND k2.outcome <> 'ok' GROUP BY 1) z) AS outcomes
          FROM txrelay.rpc_calls k
         WHERE k.created_at > now() - (SELECT rpc_window FROM settings)
         GROUP BY k.endpoint_id, k.target, k.chain_id) c
 WHERE c.calls >= (SELECT rpc_min_calls FROM settings) AND c.failed * 100 >= c.calls * (SELECT rpc_error_percent FROM settings)
UNION ALL
SELECT 'critical', 'standby_not_in_sync',
       format('%s signed transaction(s) held back: %s', h.n, h.last_error),
       'SELECT application_name, state, sync_state, flush_lsn FROM pg_stat_replication; SHOW synchronous_standby_names; patronictl list',
       'with txrelay.require_synchronous_standby on, nothing is sent until a synchronous standby holds the record of it: withdrawals wait',
       'bring a synchronous standby back (check Patroni''s synchronous_mode and the standby''s replication); the sends go out by themselves',
       h.since, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('held', h.n)
  FROM (SELECT count(*) AS n, min(o.updated_at) AS since, min(o.last_error) AS last_error FROM txrelay.outbox o
         WHERE o.status IN ('pending', 'leased') AND o.kind = 'broadcast'
           AND o.last_error LIKE 'waiting for a synchronous standby%') h
 WHERE h.n > 0
UNION ALL
SELECT 'critical', 'send_retrying',
       format('outbox %s (%s) has failed %s times and keeps retrying: %s', o.outbox_id, o.kind, o.tries, coalesce(o.last_error, '')),
       format('SELECT * FROM txrelay.withdrawal_timeline(%L); SELECT * FROM txrelay.rpc_calls WHERE withdrawal_id = %L ORDER BY created_at DESC LIMIT 10',
              o.withdrawal_id, o.withdrawal_id),
       'its nonce is reserved: until it is signed and sent, every later withdrawal of this hot wallet waits behind it',
       'fix what the error names (node or signer unreachable, rate limits, hot wallet funds); the row retries by itself at the longest backoff',
       o.updated_at, o.chain_id, o.withdrawal_id, w.idempotency_key, n.nonce_key, coalesce(o.attempt_id, la.attempt_id),
       la.tx_hash, jsonb_build_object('outbox_id', o.outbox_id, 'kind', o.kind, 'tries', o.tries)
  FROM txrelay.outbox o
  LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = o.withdrawal_id
  LEFT JOIN txrelay.nonce_reservations n ON n.withdrawal_id = o.withdrawal_id
  LEFT JOIN LATERAL txrelay._last_attempt(o.withdrawal_id) la ON true
 WHERE o.status IN ('pending', 'leased') AND o.kind IN ('sign', 'broadcast') AND o.tries >= (SELECT max_tries FROM settings)
UNION ALL
SELECT 'critical', 'tracker_stalled',
       format('the tracker has not advanced chain %s for %s (head %s) while %s withdrawal(s) wait to be followed',
              h.chain_id, date_trunc('second', clock_timestamp() - h.updated_at), h.latest_number, f.n),
       format('the server log: ''txrelay tracker: chain %s''; the node: eth_blockNumber and eth_getBlockByNumber(%s); SELECT * FROM txrelay.metrics WHERE metric = ''txrelay_chain_head_age_seconds''',
              h.chain_id, h.latest_number + 1),
       'nothing on this chain is confirmed, settled or noticed while it stalls: no inclusion, reorg, drop or finality',
       'check the node (synced? does it serve the next block?) and the endpoint''s errors; add another endpoint with txrelay.add_rpc_endpoint; the tracker goes on by itself',
       h.updated_at, h.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('head', h.latest_number, 'in_flight', f.n, 'threshold', (SELECT tracker_stall FROM settings)::text)
  FROM txrelay.chain_heads h
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM txrelay.withdrawals w
                       WHERE w.chain_id = h.chain_id AND w.status IN ('broadcasted', 'included', 'safe', 'reorged')) f
 WHERE f.n > 0 AND h.updated_at < clock_timestamp() - (SELECT tracker_stall FROM settings)
UNION ALL
SELECT 'critical', 'worker_not_running',
       format('the %s %s and it has work: %s', k.worker,
              CASE WHEN k.disabled THEN format('is switched off (txrelay.%s_enabled = off)', k.worker) ELSE 'is not running in this database' END, k.work),
       'SELECT backend_type, state, query FROM pg_stat_activity WHERE backend_type LIKE ''txrelay%''; the server log',
       CASE k.worker WHEN 'broadcaster' THEN 'nothing is signed or sent: every approved withdrawal waits'
                     ELSE 'nothing is confirmed or settled: reorgs, drops and foreign nonces go unnoticed' END,
       format('check shared_preload_libraries includes txrelay, txrelay.database = %L, txrelay.%s_enabled = on, and that this server is the primary; restart the server if the worker keeps crashing (server log)', current_database(), k.worker),
       k.since, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('worker', k.worker)
  FROM (SELECT w.*, coalesce(current_setting('txrelay.' || w.worker || '_enabled', true), 'on') = 'off' AS disabled FROM (
        SELECT 'broadcaster' AS worker, count(*) || ' outbox row(s) waiting' AS work, min(o.created_at) AS since
          FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased') AND o.created_at < clock_timestamp() - interval '10 seconds'
        HAVING count(*) > 0
        UNION ALL
        SELECT 'tracker', count(*) || ' sent or unfinalized withdrawal(s) to follow', min(w.status_changed_at)
          FROM txrelay.withdrawals w
         WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
           AND w.status IN ('broadcasted', 'included', 'safe', 'reorged') AND w.status_changed_at < clock_timestamp() - interval '10 seconds'
        HAVING count(*) > 0) w) k
 WHERE k.disabled
    OR NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity p WHERE p.backend_type = 'txrelay ' || k.worker AND p.datname = current_database())
UNION ALL
SELECT 'critical', 'ledger_reserved_mismatch',
       format('account %s holds %s %s reserved, but its open withdrawals add up to %s', a.account, a.reserved, a.asset, coalesce(o.total, 0)),
       'SELECT * FROM txrelay.verify_ledger()',
       'the ledger no longer agrees with the withdrawals: money is held that no withdrawal needs, or a withdrawal pays from money not held',
       'stop approvals for the account; run verify_ledger() and compare its RESERVE/COMMIT/RELEASE entries with the withdrawals; restore from backup if rows were changed by hand',
       a.updated_at, a.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('account', a.account, 'asset', a.asset, 'reserved', a.reserved, 'open_withdrawals', coalesce(o.total, 0))
  FROM txrelay.ledger_accounts a
  LEFT JOIN (SELECT account, chain_id, asset, sum(amount) AS total FROM open_reservations GROUP BY 1, 2, 3) o
         USING (account, chain_id, asset)
 WHERE a.reserved <> coalesce(o.total, 0)
UNION ALL
SELECT 'critical', 'domain_counts_disagree',
       format('reconciliation run %s: %s', r.run_id, d.what),
       format('SELECT domain_counts FROM txrelay.reconciliation_runs WHERE run_id = %s; SELECT * FROM txrelay.verify_ledger(true)', r.run_id),
       'withdrawals, their history and the ledger tell different stories: a withdrawal may have been paid, lost or released without the others knowing',
       'stop approvals; verify_ledger(true) names the withdrawals whose entries and status disagree; repair them from a backup with two people reviewing; then SELECT txrelay.reconcile()',
       r.finished_at, r.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       r.domain_counts - 'disagreements' || jsonb_build_object('run_id', r.run_id)
  FROM (SELECT x.* FROM txrelay.reconciliation_runs x  -- the newest run that counted (start-up runs do not)
         WHERE x.finished_at IS NOT NULL AND x.domain_counts IS NOT NULL ORDER BY x.finished_at DESC LIMIT 1) r,
       jsonb_array_elements_text(r.domain_counts -> 'disagreements') d(what)
UNION ALL
SELECT 'critical', 'ledger_verification_failed',
       f.message,
       'SELECT * FROM txrelay.verify_ledger(); SELECT * FROM txrelay.ledger_checkpoint_refusals ORDER BY refusal_id DESC LIMIT 5',
       'the ledger''s entries, totals or checkpoints were changed outside txrelay: balances and the withdrawals paid from them can no longer be trusted',
       'stop approvals; find who changed what (verify_ledger() names the rows); restore those rows from a backup or the replica, with two people reviewing; then SELECT txrelay.take_ledger_checkpoint()',
       f.refused_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('refusal_id', f.refusal_id, 'last_checkpoint', (SELECT version FROM newest_checkpoint))
  FROM (SELECT r.* FROM txrelay.ledger_checkpoint_refusals r ORDER BY r.refusal_id DESC LIMIT 1) f
 WHERE f.version > coalesce((SELECT version FROM newest_checkpoint), 0)
UNION ALL
SELECT 'warning', 'ledger_checkpoint_stale',
       CASE WHEN c.version IS NULL THEN 'no ledger checkpoint has been taken yet'
            ELSE format('the newest ledger checkpoint (version %s) was taken %s ago', c.version,
                        date_trunc('second', clock_timestamp() - c.taken_at)) END,
       'SELECT version, taken_at FROM txrelay.ledger_checkpoints ORDER BY version DESC LIMIT 5; the server log for "ledger checkpoint"',
       'checkpoints prove the ledger step by step: without new ones nothing checks the entries written since the last one, and verify_ledger() reads ever more history',
       'check the tracker runs (worker_not_running) and txrelay.ledger_checkpoint_interval; take one by hand: SELECT txrelay.take_ledger_checkpoint()',
       coalesce(c.taken_at, f.created_at), NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('version', c.version, 'interval', (SELECT checkpoint_interval FROM settings)::text)
  FROM (SELECT 1) one
  LEFT JOIN newest_checkpoint c ON true
  LEFT JOIN LATERAL (SELECT e.created_at FROM txrelay.ledger_entries e ORDER BY e.entry_id LIMIT 1) f ON true
 WHERE (SELECT checkpoint_interval FROM settings) > interval '0'
   AND coalesce(c.taken_at, f.created_at) < clock_timestamp() - 2 * (SELECT checkpoint_interval FROM settings)
UNION ALL
SELECT 'critical', 'hot_wallet_low',
       format('hot wallet %s on chain %s: %s (reconciliation run %s)', f.sender, f.chain_id, f.finding ->> 'what', r.run_id),
       format('SELECT report FROM txrelay.reconciliation_runs WHERE run_id = %s', r.run_id),
       'withdrawals of this wallet will fail or wait when its balance runs out: customers are not paid',
       format('top up %s on chain %s (or pause it: txrelay.set_sender_status), then SELECT txrelay.reconcile() to check', f.sender, f.chain_id),
       r.finished_at, f.chain_id, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('sender', f.sender, 'balance', f.entry ->> 'balance', 'need', f.entry ->> 'need', 'run_id', r.run_id)
  FROM last_run r,
       LATERAL (SELECT (e ->> 'chain_id')::bigint AS chain_id, e ->> 'sender' AS sender, e AS entry, x AS finding
                  FROM jsonb_array_elements(r.report) e, jsonb_array_elements(e -> 'findings') x
                 WHERE x ->> 'kind' = 'balance_low') f
 WHERE r.status = 'done'
UNION ALL
SELECT 'warning', CASE WHEN r.status = 'failed' THEN 'reconciliation_failed' ELSE 'reconciliation_stale' END,
       CASE WHEN r.status = 'failed' THEN format('reconciliation run %s failed: %s', r.run_id, r.error)
            WHEN r.run_id IS NULL THEN 'no reconciliation run has finished yet'
            ELSE format('the last reconciliation run (%s) finished %s ago', r.run_id, date_trunc('second', clock_timestamp() - r.finished_at)) END,
       'SELECT run_id, status, requested_at, finished_at, findings, error FROM txrelay.reconciliation_runs ORDER BY run_id DESC LIMIT 5; SELECT * FROM cron.job',
       'without reconciliation a nonce used outside txrelay, a lost write or an empty hot wallet is found only when a withdrawal fails',
       'schedule it: SELECT cron.schedule(''txrelay-reconcile'', ''*/10 * * * *'', ''SELECT txrelay.reconcile()''); check the tracker runs and the node answers',
       coalesce(r.finished_at, (SELECT min(created_at) FROM txrelay.senders)), NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('run_id', r.run_id, 'threshold', (SELECT reconcile_age FROM settings)::text)
  FROM (SELECT 1) one LEFT JOIN last_run r ON true
 WHERE r.status = 'failed'
    OR ((r.run_id IS NULL OR r.finished_at < clock_timestamp() - (SELECT reconcile_age FROM settings))
        AND EXISTS (SELECT FROM txrelay.senders s WHERE s.created_at < clock_timestamp() - (SELECT reconcile_age FROM settings)))
UNION ALL
SELECT 'warning', 'drops_and_replacements_spike',
       format('%s drops, reorgs and foreign nonces in the last hour (%s), against %s an hour over the day before',
              k.last_hour, k.kinds, round(k.usual::numeric, 1)),
       'SELECT withdrawal_id, event, to_status, reason, created_at FROM txrelay.withdrawal_events WHERE event IN (''dropped'', ''nonce_used_externally'') OR to_status = ''reorged'' ORDER BY event_id DESC LIMIT 50',
       'the node or the network is losing or reordering transactions: confirmations slow down, and a foreign nonce means a key is used elsewhere',
       'check the node''s peers and sync, the fee levels against the market (drops), and any sender_quarantined alert; compare with another endpoint',
       k.first_at, NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('last_hour', k.last_hour, 'usual_per_hour', round(k.usual::numeric, 2), 'min', (SELECT spike_min FROM settings))
  FROM (SELECT count(*) FILTER (WHERE r.last_hour) AS last_hour, count(*) FILTER (WHERE NOT r.last_hour) / 24.0 AS usual,
               min(r.created_at) FILTER (WHERE r.last_hour) AS first_at,
               (SELECT string_agg(x.kind || ' ' || x.n, ', ' ORDER BY x.n DESC) FROM (
                  SELECT coalesce(nullif(r2.event, 'status'), r2.to_status) AS kind, count(*) AS n FROM recent_events r2
                   WHERE r2.last_hour AND (r2.event IN ('dropped', 'nonce_used_externally') OR (r2.event = 'status' AND r2.to_status = 'reorged'))
                   GROUP BY 1) x) AS kinds
          FROM recent_events r
         WHERE r.event IN ('dropped', 'nonce_used_externally') OR (r.event = 'status' AND r.to_status = 'reorged')) k
 WHERE k.last_hour >= (SELECT spike_min FROM settings) AND k.last_hour >= 3 * k.usual
UNION ALL
SELECT 'warning', 'time_to_finalized_rising',
       format('median time from request to finalized was %s s in the last hour (%s withdrawals), against %s s over the day before',
              round(t.now_p50::numeric), t.now_n, round(t.usual_p50::numeric)),
       'SELECT * FROM txrelay.metrics WHERE metric = ''txrelay_time_to_stage_seconds''; the chain_heads age; pending_too_long alerts',
       'customers wait longer for their money; a slow or stalled finality, a lagging tracker or a stuck sender shows here first',
       'check the tracker is keeping up (txrelay_chain_head_age_seconds), the chain''s finality (safe/finalized tags advancing) and stuck nonces',
       clock_timestamp() - interval '1 hour', NULL::bigint, NULL::uuid, NULL::text, NULL::text, NULL::uuid, NULL::text,
       jsonb_build_object('p50_last_hour_s', round(t.now_p50::numeric, 1), 'p50_day_before_s', round(t.usual_p50::numeric, 1), 'samples', t.now_n)
  FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds) FILTER (WHERE l.last_hour) AS now_p50,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds) FILTER (WHERE NOT l.last_hour) AS usual_p50,
               count(*) FILTER (WHERE l.last_hour) AS now_n, count(*) FILTER (WHERE NOT l.last_hour) AS usual_n
          FROM (SELECT extract(epoch FROM r.created_at - w.created_at) AS seconds, r.last_hour
                  FROM recent_events r JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
                 WHERE r.event = 'status' AND r.to_status = 'finalized') l) t
 WHERE t.now_n >= (SELECT spike_min FROM settings) AND t.usual_n >= (SELECT spike_min FROM settings) AND t.now_p50 > 2 * t.usual_p50
$alerts$;
CREATE VIEW txrelay.alerts AS SELECT * FROM txrelay._alerts();

-- Indexes that keep the metrics view cheap at any table size: it reads recent rows by time and
-- open rows through partial indexes, never whole histories.
CREATE INDEX withdrawal_events_created_idx ON txrelay.withdrawal_events (created_at);
-- The events the spike alerts compare over a day (a small share of all events).
CREATE INDEX withdrawal_events_spike_idx ON txrelay.withdrawal_events (created_at)
  WHERE event IN ('dropped', 'nonce_used_externally') OR to_status IN ('reorged', 'finalized');

-- request_withdrawal() calls since the server started, by outcome (shared-memory counters: a
-- replay writes nothing to count). NULLs without shared_preload_libraries.
CREATE FUNCTION txrelay._request_counts(OUT new_requests bigint, OUT replays bigint, OUT conflicts bigint)
  RETURNS record LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_request_counts';

-- Operational metrics (DESIGN §7), one row per sample: `metric` and `labels` name it, `value` is
-- the number, `type` and `help` are for txrelay.prometheus(). Rates and latencies are over the
-- last hour (label window = '1h'); gauges are now. Reads only recent rows (by time index) and open
-- rows (partial indexes), so its cost does not grow with history.
CREATE FUNCTION txrelay._metrics()
  RETURNS TABLE (metric text, labels jsonb, value float8, type text, help text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $metrics$
WITH recent AS (
  SELECT e.* FROM txrelay.withdrawal_events e WHERE e.created_at > now() - interval '1 hour'
),
open_status(status) AS (
  VALUES ('requested'), ('approved'), ('signed'), ('broadcasted'), ('included'), ('safe'), ('reorged')
),
latency AS (  -- from the request to each stage reached in the window
  SELECT r.to_status AS stage, extract(epoch FROM r.created_at - w.created_at) AS seconds
    FROM recent r JOIN txrelay.withdrawals w ON w.withdrawal_id = r.withdrawal_id
   WHERE r.event = 'status' AND r.to_status IN ('broadcasted', 'included', 'safe', 'finalized')
),
pending AS (
  SELECT extract(epoch FROM now() - w.status_changed_at) AS seconds
    FROM txrelay.withdrawals w
   WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
     AND w.status IN ('broadcasted', 'reorged')
),
calls AS (
  SELECT coalesce(c.target, '') AS target, c.outcome, count(*) AS n
    FROM txrelay.rpc_calls c WHERE c.created_at > now() - interval '1 hour' GROUP BY 1, 2
)
SELECT 'txrelay_withdrawals_open'::text AS metric, jsonb_build_object('status', s.status) AS labels,
       coalesce(c.n, 0)::float8 AS value, 'gauge'::text AS type, 'Withdrawals in each open (not final) status now.'::text AS help
  FROM open_status s
  LEFT JOIN (SELECT w.status, count(*) AS n FROM txrelay.withdrawals w   -- one pass over the open-status index
              WHERE w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')
              GROUP BY w.status) c ON c.status = s.status
UNION ALL
SELECT 'txrelay_status_changes', jsonb_build_object('to_status', t.to_status, 'window', '1h'), count(r.event_id)::float8, 'gauge',
       'Withdrawals that entered each status in the last hour (finalized, failed, rejected, cancelled, replaced_externally are final).'
  FROM (VALUES ('requested'), ('approved'), ('signed'), ('broadcasted'), ('included'), ('safe'), ('finalized'), ('reorged'),
               ('failed'), ('rejected'), ('cancelled'), ('replaced_externally')) t(to_status)
  LEFT JOIN recent r ON r.event = 'status' AND r.to_status = t.to_status
 GROUP BY t.to_status
UNION ALL
SELECT 'txrelay_events', jsonb_build_object('event', t.event, 'window', '1h'), count(r.event_id)::float8, 'gauge',
       'Notable events in the last hour: drops, fee bumps, completions, foreign nonces, changed fees after completion.'
  FROM (VALUES ('dropped'), ('fee_bump_requested'), ('fee_bump_signed'), ('fee_bump_at_cap'), ('completed'),
               ('nonce_used_externally'), ('fee_changed_after_completion'), ('requeued')) t(event)
  LEFT JOIN recent r ON r.event = t.event
 GROUP BY t.event
UNION ALL
SELECT 'txrelay_time_to_stage_seconds', jsonb_build_object('stage', st.stage, 'quantile', q.q::text, 'window', '1h'),
       coalesce((SELECT percentile_cont(q.q) WITHIN GROUP (ORDER BY l.seconds) FROM latency l WHERE l.stage = st.stage), 'NaN')::float8,
       'gauge', 'Seconds from the request to broadcasted, included, safe and finalized, for withdrawals reaching that stage in the last hour.'
  FROM (VALUES ('broadcasted'), ('included'), ('safe'), ('finalized')) st(stage), (VALUES (0.5), (0.95)) q(q)
UNION ALL
SELECT 'txrelay_pending_age_seconds', jsonb_build_object('quantile', q.q::text),
       coalesce((SELECT percentile_cont(q.q) WITHIN GROUP (ORDER BY p.seconds) FROM pending p), 0)::float8, 'gauge',
       'Seconds since sent transactions not yet in a block (broadcasted, reorged) were sent; 0 when there are none.'
  FROM (VALUES (0.5), (0.95)) q(q)
UNION ALL
SELECT 'txrelay_rpc_calls', jsonb_build_object('target', c.target, 'outcome', c.outcome, 'window', '1h'), c.n::float8, 'gauge',
       'JSON-RPC calls in the last hour by endpoint or signer (redacted URL) and outcome class (DESIGN §6).'
  FROM calls c
UNION ALL
SELECT 'txrelay_rpc_error_ratio', jsonb_build_object('target', c.target, 'window', '1h'),
       coalesce(sum(c.n) FILTER (WHERE c.outcome <> 'ok'), 0)::float8 / sum(c.n), 'gauge',
       'Share of the calls in the last hour to an endpoint or signer that did not succeed.'
  FROM calls c GROUP BY c.target
UNION ALL
SELECT 'txrelay_outbox', jsonb_build_object('status', t.status),
       CASE t.status WHEN 'dead' THEN (SELECT count(*) FROM txrelay.outbox o WHERE o.status = 'dead')
                     ELSE (SELECT count(*) FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased') AND o.status = t.status) END::float8,
       'gauge', 'Outbox rows waiting (pending), being worked on (leased) and given up (dead letters).'
  FROM (VALUES ('pending'), ('leased'), ('dead')) t(status)
UNION ALL
SELECT 'txrelay_outbox_tries', jsonb_build_object('tries', b.bucket),
       (SELECT count(*) FROM (SELECT o.tries FROM txrelay.outbox o WHERE o.status IN ('pending', 'leased')
                              UNION ALL SELECT o.tries FROM txrelay.outbox o WHERE o.status = 'dead') o
         WHERE CASE WHEN o.tries = 0 THEN '0' WHEN o.tries = 1 THEN '1' WHEN o.tries <= 3 THEN '2-3'
                    WHEN o.tries <= 10 THEN '4-10' ELSE '11+' END = b.bucket)::float8,
       'gauge', 'Tries so far of the open and dead outbox rows (the retry distribution).'
  FROM (VALUES ('0'), ('1'), ('2-3'), ('4-10'), ('11+')) b(bucket)
UNION ALL
SELECT 'txrelay_senders', jsonb_build_object('status', t.status),
       (SELECT count(*) FROM txrelay.senders s WHERE s.status = t.status)::float8, 'gauge', 'Hot wallets by status.'
  FROM (VALUES ('active'), ('paused'), ('quarantined')) t(status)
UNION ALL
SELECT 'txrelay_chain_head', jsonb_build_object('chain_id', h.chain_id::text, 'tag', t.tag),
       CASE t.tag WHEN 'latest' THEN h.latest_number WHEN 'safe' THEN h.safe_number ELSE h.finalized_number END::float8,
       'gauge', 'The block numbers the tracker has read per chain.'
  FROM txrelay.chain_heads h, (VALUES ('latest'), ('safe'), ('finalized')) t(tag)
UNION ALL
SELECT 'txrelay_chain_head_age_seconds', jsonb_build_object('chain_id', h.chain_id::text),
       extract(epoch FROM now() - h.updated_at)::float8, 'gauge',
       'Seconds since the tracker last recorded a chain''s heads (grows when the tracker or the node stalls).'
  FROM txrelay.chain_heads h
UNION ALL
SELECT 'txrelay_reserved', jsonb_build_object('chain_id', a.chain_id::text, 'asset', a.asset), sum(a.reserved)::float8, 'gauge',
       'Amounts reserved by open withdrawals, in the asset''s base unit (a float: exact figures are in txrelay.balance()).'
  FROM txrelay.ledger_accounts a GROUP BY a.chain_id, a.asset
UNION ALL
SELECT 'txrelay_reconciliation_age_seconds', '{}'::jsonb,
       coalesce((SELECT extract(epoch FROM now() - max(r.finished_at)) FROM txrelay.reconciliation_runs r
                  WHERE r.finished_at IS NOT NULL AND r.status = 'done'), 'NaN')::float8, 'gauge',
       'Seconds since the last reconciliation run finished (NaN: none yet).'
UNION ALL
SELECT 'txrelay_reconciliation_findings', '{}'::jsonb,
       coalesce((SELECT r.findings FROM txrelay.reconciliation_runs r WHERE r.status = 'done' ORDER BY r.finished_at DESC LIMIT 1), 0)::float8,
       'gauge', 'Problems the last finished reconciliation run found.'
UNION ALL
SELECT 'txrelay_request_withdrawal_calls_total', jsonb_build_object('outcome', o.outcome), coalesce(o.n::float8, 'NaN'), 'counter',
       'request_withdrawal() calls since the server started: new withdrawals, idempotent replays (same key, same request: '
       'the first withdrawal returned, nothing written) and conflicts (same key, another request: TR001). NaN: not preloaded.'
  FROM txrelay._request_counts() c,
       LATERAL (VALUES ('new', c.new_requests), ('replay', c.replays), ('conflict', c.conflicts)) o(outcome, n)
UNION ALL
SELECT 'txrelay_ledger_checkpoint_version', '{}'::jsonb,
       coalesce((SELECT max(c.version) FROM txrelay.ledger_checkpoints c), 0)::float8,
       'gauge', 'The newest ledger checkpoint (state version); 0: none yet.'
UNION ALL
SELECT 'txrelay_ledger_checkpoint_age_seconds', '{}'::jsonb,
       coalesce((SELECT extract(epoch FROM now() - c.taken_at) FROM txrelay.ledger_checkpoints c ORDER BY c.version DESC LIMIT 1),
                'NaN')::float8,
       'gauge', 'Seconds since the newest ledger checkpoint was taken (NaN: none yet).'
UNION ALL
SELECT 'txrelay_alerts', jsonb_build_object('severity', t.severity),
       (SELECT count(*) FROM txrelay.alerts a WHERE a.severity = t.severity)::float8, 'gauge', 'Open alerts (txrelay.alerts) by severity.'
  FROM (VALUES ('critical'), ('warning')) t(severity)
$metrics$;
CREATE VIEW txrelay.metrics AS SELECT * FROM txrelay._metrics();

-- The metrics in the Prometheus text exposition format (for a scrape through postgres_exporter or
-- any HTTP bridge): HELP and TYPE once per metric, label values escaped as the format requires.
CREATE FUNCTION txrelay.prometheus() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $prometheus$
  WITH samples AS (
    SELECT m.metric, m.type, m.help, m.value,
           coalesce('{' || (SELECT string_agg(format('%s="%s"', l.key,
                                      replace(replace(replace(l.value, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n')), ',' ORDER BY l.key)
                              FROM jsonb_each_text(m.labels) l) || '}', '') AS labels
      FROM txrelay.metrics m
  )
  SELECT string_agg(block, '' ORDER BY metric)
    FROM (SELECT s.metric,
                 format(E'# HELP %s %s\n# TYPE %s %s\n', s.metric, replace(replace(min(s.help), E'\\', E'\\\\'), E'\n', E'\\n'), s.metric, min(s.type))
                 || string_agg(format(E'%s%s %s\n', s.metric, s.labels,
                                      CASE WHEN s.value IS NULL OR s.value = 'NaN'::float8 THEN 'NaN' ELSE s.value::text END), '' ORDER BY s.labels) AS block
            FROM samples s GROUP BY s.metric) b
$prometheus$;

-- ---------------------------------------------------------------------------------------------
-- Privileges: applications call functions; only the extension owner writes tables.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON ALL TABLES IN SCHEMA txrelay FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA txrelay FROM PUBLIC;
GRANT USAGE ON SCHEMA txrelay TO PUBLIC;
GRANT USAGE ON TYPE txrelay.wei TO PUBLIC;
GRANT USAGE ON TYPE txrelay.rpc_endpoint_settings TO PUBLIC;

GRANT EXECUTE ON FUNCTION txrelay.state_transitions(), txrelay.decode_raw_tx(bytea) TO PUBLIC;

GRANT EXECUTE ON FUNCTION
  txrelay.credit(text, bigint, text, numeric, text),
  txrelay.balance(text, bigint, text),
  txrelay.request_withdrawal(text, text, bigint, text, text, numeric, text, jsonb),
  txrelay.submit_signed(uuid, bytea),
  txrelay.pending_signature_requests(bigint),
  txrelay.events_since(text, int),
  txrelay.cancel(uuid, text)
  TO txrelay_app;

GRANT EXECUTE ON FUNCTION
  txrelay.approve(uuid, uuid, text, text),
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
  txrelay.set_risk_tier(text, numeric, text),
  txrelay.reconcile(bigint),
  txrelay.take_ledger_checkpoint(),
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

-- pg_dump keeps the rows of every table (configuration and history alike). One call per
-- statement: each call rewrites the pg_extension row.
DO $dump$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['chains', 'assets', 'rpc_endpoints', 'signers', 'senders', 'risk_tiers', 'withdrawals',
                           'approvals', 'nonce_reservations', 'signature_requests', 'attempts', 'ledger_accounts',
                           'ledger_entries', 'withdrawal_events', 'outbox', 'rpc_calls', 'chain_heads', 'chain_blocks',
                           'reconciliation_runs', 'ledger_checkpoints', 'ledger_checkpoint_accounts',
                           'ledger_checkpoint_refusals']
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('txrelay.%I', t)::regclass, '');
  END LOOP;
END
$dump$;
