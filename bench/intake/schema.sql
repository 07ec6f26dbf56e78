-- The limit and the peer of the intake benchmark (bench/intake.sh), beside txrelay in one database.
-- bare: a single-row INSERT with a unique key, the least a duplicate-safe intake can do.
-- peer: the same job written the usual way in the application - check the key, reserve the
-- balance, insert the withdrawal, its ledger entry and its outbox row, one round trip each, in one
-- client transaction.
CREATE SCHEMA bare;
CREATE TABLE bare.requests (
  idempotency_key text PRIMARY KEY,
  account text NOT NULL,
  amount numeric NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE SCHEMA peer;
CREATE TABLE peer.accounts (
  account text PRIMARY KEY,
  credited numeric NOT NULL,
  reserved numeric NOT NULL DEFAULT 0,
  CHECK (reserved <= credited)
);
CREATE TABLE peer.withdrawals (
  withdrawal_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key text NOT NULL UNIQUE,
  account text NOT NULL REFERENCES peer.accounts,
  chain_id bigint NOT NULL,
  asset text NOT NULL,
  to_address text NOT NULL,
  amount numeric NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'requested',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE peer.ledger_entries (
  entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  account text NOT NULL REFERENCES peer.accounts,
  amount numeric NOT NULL,
  withdrawal_id uuid REFERENCES peer.withdrawals,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE peer.outbox (
  outbox_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  withdrawal_id uuid NOT NULL REFERENCES peer.withdrawals,
  kind text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON peer.outbox (outbox_id) WHERE status = 'pending';

-- 1,000 accounts u1..u1000 with funds, and 1,000 requests pre-1..pre-1000 that the 10 % replays
-- repeat, in each of the three.
INSERT INTO peer.accounts SELECT 'u' || a, 1e30 FROM generate_series(1, 1000) a;
INSERT INTO bare.requests SELECT 'pre-' || k, 'u1', 1 FROM generate_series(1, 1000) k;
INSERT INTO peer.withdrawals (idempotency_key, account, chain_id, asset, to_address, amount)
  SELECT 'pre-' || k, 'u1', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1 FROM generate_series(1, 1000) k;
SELECT txrelay.add_chain(1, 'bench');
SELECT txrelay.set_risk_tier('standard', 0, 'finalized');
SELECT txrelay.add_signer('bench', 'http://127.0.0.1:9');  -- never called: the workers are off
SELECT txrelay.add_sender(1, a, 'bench', 0) FROM unnest(ARRAY['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65']) a;
SELECT txrelay.credit('u' || a, 1, 'ETH', 1e30, 'funding-' || a) FROM generate_series(1, 1000) a;
SELECT txrelay.request_withdrawal('pre-' || k, 'u1', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)
  FROM generate_series(1, 1000) k;

-- The data alone (issue 23): the eleven row writes of a request + approve - inserts into
-- withdrawals, withdrawal_events (two), ledger_entries, approvals, nonce_reservations,
-- signature_requests and outbox; updates of ledger_accounts, senders and the withdrawal - into
-- tables shaped like txrelay's (the same columns, base types for its domains, defaults, identity
-- columns, primary keys) with no trigger, foreign key, CHECK, other index or function of
-- txrelay's. bench/intake/data.sql writes the statements from a template withdrawal.
CREATE SCHEMA data;
CREATE SEQUENCE data.nonces;
DO $$
DECLARE
  t text;
  col record;
BEGIN
  FOREACH t IN ARRAY '{withdrawals,withdrawal_events,ledger_accounts,ledger_entries,approvals,nonce_reservations,signature_requests,outbox,senders}'::text[] LOOP
    EXECUTE format('CREATE TABLE data.%I (LIKE txrelay.%I INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED)', t, t);
    FOR col IN SELECT a.attname, format_type(ty.typbasetype, ty.typtypmod) AS base FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                WHERE a.attrelid = format('data.%I', t)::regclass AND ty.typtype = 'd' LOOP
      EXECUTE format('ALTER TABLE data.%I ALTER COLUMN %I TYPE %s', t, col.attname, col.base);
    END LOOP;
    EXECUTE format('ALTER TABLE data.%I ADD %s', t, (SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                                                      WHERE c.conrelid = format('txrelay.%I', t)::regclass AND c.contype = 'p'));
  END LOOP;
END
$$;
INSERT INTO data.ledger_accounts SELECT * FROM txrelay.ledger_accounts;
INSERT INTO data.senders SELECT * FROM txrelay.senders;
SELECT txrelay.approve((txrelay.request_withdrawal('data-template', 'u1', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id,
                       gen_random_uuid(), 'pd-data-template', 'bench');
