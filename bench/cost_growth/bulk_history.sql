-- Finished history in bulk, for the cost-growth benchmark (bench/cost_growth.sh) on a throwaway
-- cluster: withdrawals :from .. :to as the workers leave them - finalized and settled, seven
-- status events each, an approval, RESERVE + COMMIT ledger entries, two outbox jobs done, the
-- attempt that paid it (included ten to a block, below the chain's finalized head) - dated
-- two days back, written set by set with the guards of these tables lifted for the load (they
-- would refuse rows that are born finalized). The ledger rows are on accounts of their own
-- (hist-0 .. hist-999) with placeholder hashes: verify_ledger() is not measured on this history.
-- psql variables: from, to.
BEGIN;
-- (replica role: the foreign-key checks do not fire either - the rows are consistent by
-- construction - which makes the load several times faster; the ALWAYS triggers are disabled below)
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE guarded AS
  SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'txrelay'::regnamespace AND NOT t.tgisinternal
     AND c.relname IN ('withdrawals', 'withdrawal_events', 'ledger_entries', 'ledger_accounts', 'approvals', 'outbox', 'attempts');
SELECT format('ALTER TABLE txrelay.%I DISABLE TRIGGER %I', relname, tgname) FROM guarded \gexec

INSERT INTO txrelay.ledger_accounts (account, chain_id, asset, credited)
  SELECT 'hist-' || a, 1, 'ETH', 1e30 FROM generate_series(0, 999) a ON CONFLICT DO NOTHING;
INSERT INTO txrelay.withdrawals (withdrawal_id, idempotency_key, request_fingerprint, account, chain_id, asset, to_address,
                                 amount, risk_tier, status, status_reason, created_at, status_changed_at, completed_at)
  SELECT md5('hist-' || i)::uuid, 'hist-' || i, sha256(('hist-' || i)::bytea), 'hist-' || i % 1000, 1, 'ETH',
         '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1, 'standard', 'finalized', 'bulk history',
         now() - interval '2 days', now() - interval '2 days', now() - interval '2 days'
    FROM generate_series(:from, :to) i;
INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason, created_at)
  SELECT md5('hist-' || i)::uuid, 'status', s.from_status, s.to_status, 'bulk history', now() - interval '2 days'
    FROM generate_series(:from, :to) i,
         (VALUES (NULL, 'requested'), ('requested', 'approved'), ('approved', 'signed'), ('signed', 'broadcasted'),
                 ('broadcasted', 'included'), ('included', 'safe'), ('safe', 'finalized')) s (from_status, to_status);
INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by, created_at)
  SELECT md5('approval-' || i)::uuid, md5('hist-' || i)::uuid, 'hist-pd-' || i, 'approved', 'bench', now() - interval '2 days'
    FROM generate_series(:from, :to) i;
INSERT INTO txrelay.ledger_entries (account_seq, kind, account, chain_id, asset, amount, fee, withdrawal_id, hash, created_at)
  SELECT 2 * (i / 1000) + k.n, k.kind, 'hist-' || i % 1000, 1, 'ETH', 1, k.fee, md5('hist-' || i)::uuid,
         sha256((k.kind || i)::bytea), now() - interval '2 days'
    FROM generate_series(:from, :to) i, (VALUES (1, 'RESERVE', 0), (2, 'COMMIT', 21000)) k (n, kind, fee);
INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, status, tries, created_at, updated_at, done_at)
  SELECT k.kind, 1, md5('hist-' || i)::uuid, 'done', 1, now() - interval '2 days', now() - interval '2 days', now() - interval '2 days'
    FROM generate_series(:from, :to) i, (VALUES ('sign'), ('broadcast')) k (kind);
INSERT INTO txrelay.attempts (signature_request_id, withdrawal_id, chain_id, from_address, nonce, tx_hash, raw_tx, tx_type,
                              gas_limit, max_fee_per_gas, max_priority_fee_per_gas, status, block_number, block_hash,
                              receipt_status, gas_used, effective_gas_price, included_at, created_at, sent_at, updated_at)
  SELECT md5('hist-request-' || i)::uuid, md5('hist-' || i)::uuid, 1, '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', i,
         sha256(('hist-tx-' || i)::bytea), '\x02', 2, 21000, 1, 1, 'included', i / 10, sha256(('hist-block-' || i / 10)::bytea),
         1, 21000, 1, now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days'
    FROM generate_series(:from, :to) i;
INSERT INTO txrelay.chain_heads (chain_id, latest_number, latest_hash, safe_number, finalized_number)
  VALUES (1, :to / 10 + 10, sha256('hist-head'::bytea), :to / 10 + 5, :to / 10 + 2)
  ON CONFLICT (chain_id) DO UPDATE SET latest_number = EXCLUDED.latest_number, safe_number = EXCLUDED.safe_number,
                                       finalized_number = EXCLUDED.finalized_number;
UPDATE txrelay.ledger_accounts a SET spent = a.spent + s.n * 21001, entry_count = a.entry_count + 2 * s.n
  FROM (SELECT 'hist-' || i % 1000 AS account, count(*) AS n FROM generate_series(:from, :to) i GROUP BY 1) s
 WHERE a.account = s.account AND a.chain_id = 1 AND a.asset = 'ETH';

SELECT format('ALTER TABLE txrelay.%I %s TRIGGER %I', relname,
              CASE tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'D' THEN 'DISABLE' ELSE 'ENABLE' END, tgname)
  FROM guarded \gexec
COMMIT;
