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
