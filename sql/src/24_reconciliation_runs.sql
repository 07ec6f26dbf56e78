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
