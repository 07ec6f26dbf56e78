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
