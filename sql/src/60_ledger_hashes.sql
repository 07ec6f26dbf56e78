-- The hash of one ledger entry, computed by the same C++ code as the ledger trigger.
CREATE FUNCTION txrelay._ledger_entry_hash(prev_hash bytea, entry_id bigint, account_seq bigint, kind text, account text,
                                           chain_id bigint, asset text, amount numeric, fee numeric,
                                           withdrawal_id uuid, reference text, created_at timestamptz)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_entry_hash';

CREATE FUNCTION txrelay._ledger_checkpoint_account_hash(account text, chain_id bigint, asset text, credited numeric,
                                                        reserved numeric, spent numeric, entry_count bigint, last_hash bytea)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_checkpoint_account_hash';
CREATE FUNCTION txrelay._ledger_checkpoint_hash(prev_hash bytea, version bigint, taken_at timestamptz, account_hashes bytea)
  RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_ledger_checkpoint_hash';

-- A checkpoint's hash from its number, time, the previous hash and its accounts' hashes in byte
-- order of their keys (COLLATE "C": the same order on every node, whatever the database's default
-- collation). Taking a checkpoint and verifying one both call this.
CREATE FUNCTION txrelay._ledger_checkpoint_hash_of(version bigint, taken_at timestamptz, prev_hash bytea,
                                                   accounts txrelay.ledger_checkpoint_accounts[]) RETURNS bytea
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $digest$
  SELECT txrelay._ledger_checkpoint_hash(_ledger_checkpoint_hash_of.prev_hash, _ledger_checkpoint_hash_of.version,
                                         _ledger_checkpoint_hash_of.taken_at, coalesce(
           string_agg(txrelay._ledger_checkpoint_account_hash(a.account, a.chain_id, a.asset, a.credited, a.reserved,
                                                              a.spent, a.entry_count, a.last_hash),
                      ''::bytea ORDER BY a.account COLLATE "C", a.chain_id, a.asset COLLATE "C"), ''::bytea))
    FROM unnest(accounts) a
$digest$;
