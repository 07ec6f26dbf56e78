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
