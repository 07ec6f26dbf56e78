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
  -- Auto-approval per account and asset in any 24 hours (set_risk_tier; past them a request waits
  -- for an approver): the sum of the amounts and the count.
  auto_approve_daily_sum  txrelay.wei NOT NULL,
  auto_approve_daily_count int        NOT NULL,
  CONSTRAINT risk_tiers_pkey PRIMARY KEY (tier),
  CONSTRAINT risk_tiers_daily_count_check CHECK (auto_approve_daily_count >= 0),
  CONSTRAINT risk_tiers_completion_level_check CHECK (completion_level IN ('included', 'safe', 'finalized')),
  CONSTRAINT risk_tiers_confirmations_check CHECK (completion_confirmations >= 0
    AND (completion_level = 'included' OR completion_confirmations = 0))
);
