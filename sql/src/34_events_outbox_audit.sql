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
-- The tracker's record of a payment mined after its money was released (alert paid_after_release):
-- a handful of rows at most, found without reading the history.
CREATE INDEX withdrawal_events_paid_after_release_idx ON txrelay.withdrawal_events (withdrawal_id)
  WHERE event = 'paid_after_release';

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
-- The broadcaster's polls: the due jobs, and the leases that expired (a worker that died), each by
-- an index of its own, so that a poll never reads the jobs in flight (bench/pipeline.sh: with one
-- index for both, a poll read every leased job, a quarter of the broadcaster's CPU in a burst).
CREATE INDEX outbox_due_idx ON txrelay.outbox (available_at, outbox_id) WHERE status = 'pending';
CREATE INDEX outbox_lease_expiry_idx ON txrelay.outbox (lease_expires_at) WHERE status = 'leased';
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
