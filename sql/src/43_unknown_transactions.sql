-- Transactions of our senders that the chain holds and the database does not know (issue 20,
-- decision 79): found by a reconciliation run at nonces no signed attempt explains - a database
-- restored to an earlier point has forgotten payments the chain remembers, or the key was used
-- outside txrelay. Each is kept as the chain holds it: the signed bytes rebuilt from the node's
-- answer, checked against the node's hash and the sender its signature recovers. The broadcaster
-- adopts one when a withdrawal reserved at its nonce asks for exactly its call (the application's
-- retry with the same idempotency key), and signs nothing else with the sender until every one is
-- adopted or an operator has dismissed it (txrelay.dismiss_unknown_transaction).
CREATE TABLE txrelay.unknown_transactions (
  chain_id      bigint      NOT NULL,
  from_address  text        NOT NULL,
  nonce         bigint      NOT NULL,
  tx_hash       bytea       NOT NULL,
  to_address    text        NOT NULL,
  value         txrelay.wei NOT NULL,
  data          bytea       NOT NULL,
  raw_tx        bytea       NOT NULL,
  found_by_run  bigint      NOT NULL,
  found_at      timestamptz NOT NULL DEFAULT now(),
  settled       text,                   -- NULL: open; 'adopted' or 'dismissed'
  settled_at    timestamptz,
  settled_by    text,                   -- the broadcaster, or the operator's login
  withdrawal_id uuid,                   -- adopted: the withdrawal whose payment it is
  attempt_id    uuid,                   -- adopted: the attempt recorded from its bytes
  reason        text,                   -- dismissed: why, in the operator's words
  CONSTRAINT unknown_transactions_pkey PRIMARY KEY (chain_id, from_address, nonce),
  CONSTRAINT unknown_transactions_tx_hash_key UNIQUE (tx_hash),
  CONSTRAINT unknown_transactions_sender_fkey FOREIGN KEY (chain_id, from_address) REFERENCES txrelay.senders (chain_id, address),
  CONSTRAINT unknown_transactions_found_by_run_fkey FOREIGN KEY (found_by_run) REFERENCES txrelay.reconciliation_runs (run_id),
  CONSTRAINT unknown_transactions_withdrawal_id_fkey FOREIGN KEY (withdrawal_id) REFERENCES txrelay.withdrawals (withdrawal_id),
  CONSTRAINT unknown_transactions_attempt_id_fkey FOREIGN KEY (attempt_id) REFERENCES txrelay.attempts (attempt_id),
  CONSTRAINT unknown_transactions_nonce_check CHECK (nonce >= 0),
  CONSTRAINT unknown_transactions_settled_check CHECK (
    (settled IS NULL AND settled_at IS NULL AND settled_by IS NULL AND withdrawal_id IS NULL AND attempt_id IS NULL AND reason IS NULL)
    OR (settled = 'adopted' AND settled_at IS NOT NULL AND settled_by IS NOT NULL AND withdrawal_id IS NOT NULL AND attempt_id IS NOT NULL AND reason IS NULL)
    OR (settled = 'dismissed' AND settled_at IS NOT NULL AND settled_by IS NOT NULL AND withdrawal_id IS NULL AND attempt_id IS NULL AND reason IS NOT NULL))
);
CREATE INDEX unknown_transactions_open_idx ON txrelay.unknown_transactions (chain_id, from_address, nonce) WHERE settled IS NULL;

-- What the chain holds is a fact: a row is never deleted, and only settled, once. ALWAYS, like the
-- history tables' triggers (a superuser's session_replication_role = replica does not pass).
CREATE FUNCTION txrelay._unknown_transactions_guard() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $guard$
BEGIN
  IF OLD.settled IS NOT NULL
     OR (NEW.chain_id, NEW.from_address, NEW.nonce, NEW.tx_hash, NEW.to_address, NEW.value, NEW.data, NEW.raw_tx, NEW.found_by_run, NEW.found_at)
        IS DISTINCT FROM (OLD.chain_id, OLD.from_address, OLD.nonce, OLD.tx_hash, OLD.to_address, OLD.value, OLD.data, OLD.raw_tx, OLD.found_by_run, OLD.found_at) THEN
    RAISE EXCEPTION 'txrelay.unknown_transactions: a transaction the chain holds is settled once and never changed'
      USING ERRCODE = 'TR006', DETAIL = pg_catalog.format('chain %s, sender %s, nonce %s (%s)', OLD.chain_id, OLD.from_address, OLD.nonce,
                                                          coalesce(OLD.settled, 'open')),
            HINT = 'Only the broadcaster adopts one and only txrelay.dismiss_unknown_transaction() dismisses one.';
  END IF;
  RETURN NEW;
END
$guard$;
REVOKE ALL ON FUNCTION txrelay._unknown_transactions_guard() FROM PUBLIC;
CREATE TRIGGER unknown_transactions_guard BEFORE UPDATE ON txrelay.unknown_transactions
  FOR EACH ROW EXECUTE FUNCTION txrelay._unknown_transactions_guard();
ALTER TABLE txrelay.unknown_transactions ENABLE ALWAYS TRIGGER unknown_transactions_guard;
CREATE TRIGGER unknown_transactions_no_delete BEFORE DELETE ON txrelay.unknown_transactions
  FOR EACH ROW EXECUTE FUNCTION txrelay._refuse_history_change();
ALTER TABLE txrelay.unknown_transactions ENABLE ALWAYS TRIGGER unknown_transactions_no_delete;
CREATE TRIGGER unknown_transactions_no_truncate BEFORE TRUNCATE ON txrelay.unknown_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._refuse_history_change();
ALTER TABLE txrelay.unknown_transactions ENABLE ALWAYS TRIGGER unknown_transactions_no_truncate;

-- The operator settles one that no withdrawal will adopt (the application will not retry it, or
-- the key was used outside txrelay): it stays in the table with the reason; the sender signs again
-- once none of its own is open.
CREATE FUNCTION txrelay.dismiss_unknown_transaction(chain_id bigint, from_address text, nonce bigint, reason text)
  RETURNS txrelay.unknown_transactions LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_dismiss_unknown_transaction';
REVOKE ALL ON FUNCTION txrelay.dismiss_unknown_transaction(bigint, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION txrelay.dismiss_unknown_transaction(bigint, text, bigint, text) TO txrelay_operator;
GRANT SELECT ON txrelay.unknown_transactions TO txrelay_operator, txrelay_auditor;
