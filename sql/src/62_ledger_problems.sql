-- The ledger's problems from checkpoint `from_version` on (0: the whole history). No rows =
-- consistent. Checks each account's totals against its state at that checkpoint plus its entries
-- after it, every later entry's hash and its link to the one before, the checkpoints from there on
-- (numbering, links, hashes, and each recorded account state against the entries), and the
-- RESERVE / COMMIT / RELEASE pairing of the withdrawals touched since (all of them from 0), and
-- that none of those released has a payment of ours in a block (refunded and paid); and that no
-- row of any table written since lacks its parent (_orphan_rows; all rows from 0).
-- (jit = off: its many branches cross jit_above_cost, and compiling took far longer than the
-- check itself - seconds against milliseconds, bench/metrics_cost.sh; decision 49.)
CREATE OR REPLACE FUNCTION txrelay._ledger_problems(from_version bigint)
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
   WHERE (p.status = ANY (txrelay._status_set('ended_unpaid')) AND NOT p.released)
      OR (p.completed_at IS NOT NULL AND NOT p.committed)
      OR (p.committed AND p.completed_at IS NULL)
      OR (p.released AND p.status <> ALL (txrelay._status_set('ended_unpaid')))
  UNION ALL
  SELECT 'payment mined after its RELEASE',
         jsonb_build_object('withdrawal_id', p.withdrawal_id, 'idempotency_key', p.idempotency_key, 'status', p.status,
                            'attempt_id', a.attempt_id, 'tx_hash', '0x' || encode(a.tx_hash, 'hex'),
                            'block_number', a.block_number)
    FROM pairs p
    JOIN txrelay.attempts a ON a.withdrawal_id = p.withdrawal_id AND a.status = 'included' AND a.receipt_status = 1
    JOIN txrelay.signature_requests s ON s.signature_request_id = a.signature_request_id
   WHERE p.released AND txrelay._pays(s.to_address, s.from_address, s.value, s.data)
  UNION ALL
  -- Each signed checkpoint from the starting one on: its signature must recover, from the hash
  -- stored now, to the address it was asked of, and that to the audit address of its time.
  SELECT CASE WHEN txrelay._personal_signer(c.hash, g.signature) IS DISTINCT FROM g.address
              THEN 'checkpoint signature does not match its hash'
              ELSE 'checkpoint signed by another address than the audit address' END,
         jsonb_build_object('version', c.version, 'hash', '0x' || encode(c.hash, 'hex'), 'signed_by', g.address,
                            'recovered', txrelay._personal_signer(c.hash, g.signature), 'audit_address', a.address)
    FROM txrelay.ledger_checkpoints c
    JOIN txrelay.ledger_checkpoint_signatures g ON g.version = c.version
    LEFT JOIN txrelay.ledger_checkpoint_signer a ON c.version >= a.from_version
   WHERE c.version >= from_version - 1
     AND (txrelay._personal_signer(c.hash, g.signature) IS DISTINCT FROM g.address OR g.address <> a.address)
  UNION ALL
  SELECT o.problem, o.details
    FROM txrelay._orphan_rows((SELECT cp.snapshot_xmin FROM txrelay.ledger_checkpoints cp WHERE cp.version = from_version)) o
$problems$;
