#!/usr/bin/env bash
# Ledger checkpoints signed by a key the database does not hold (issue 17, decision 67), with
# anvil as the audit signer (dev account 9 signs with eth_sign). The attack: a superuser adds
# 10^18 wei to a CREDIT with the triggers disabled and recomputes the entry's hash, the account's
# totals and head, the checkpoint's account state and the checkpoint hash with the schema's own
# functions. Without a signature nothing inside the database can tell; with one, verify_ledger()
# recovers the signer from the stored hash and reports the mismatch.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup
AUDIT=${DEV[9]}

sql "SELECT txrelay.credit('mallory', 31337, 'ETH', 5, 'sig-funding')" >/dev/null
next=$(sql "SELECT coalesce(max(version), 0) + 1 FROM txrelay.ledger_checkpoints")
check "set_checkpoint_signer names the audit address (in EIP-55) and its signer; from the next checkpoint on" \
  test "$(sql "SELECT signer || '/' || address || '/' || from_version FROM txrelay.set_checkpoint_signer('anvil', lower('$AUDIT'))")" = "anvil/$AUDIT/$next"
check "an unknown signer is refused (TR009)" \
  sh -c "psql -X -q -At -c \"SELECT txrelay.set_checkpoint_signer('nobody', '$AUDIT')\" 2>&1 | grep -q 'signer'"
(echo "LISTEN txrelay_checkpoints;"; while echo "SELECT 1;"; do sleep 0.2; done) | psql -X -q -At >"$TXR_CLUSTER_DIR/checkpoints.listen" 2>&1 &
LISTENER=$!
sleep 0.5
version=$(sql "SELECT version FROM txrelay.take_ledger_checkpoint()")
wait_for "SELECT count(*) = 1 FROM txrelay.ledger_checkpoint_signatures WHERE version = $version" 20 "the tracker signs checkpoint $version"
sleep 0.5
kill "$LISTENER" 2>/dev/null || true
hash=$(sql "SELECT '0x' || encode(hash, 'hex') FROM txrelay.ledger_checkpoints WHERE version = $version")
signature=$(sql "SELECT '0x' || encode(signature, 'hex') FROM txrelay.ledger_checkpoint_signatures WHERE version = $version")
check "the signature recovers to the audit address (txrelay._personal_signer)" \
  test "$(sql "SELECT txrelay._personal_signer(c.hash, s.signature) FROM txrelay.ledger_checkpoints c JOIN txrelay.ledger_checkpoint_signatures s USING (version) WHERE version = $version")" = "$AUDIT"
check "and cast, outside the database, agrees: it is the audit key's EIP-191 signature of the hash" \
  "$CAST" wallet verify --address "$AUDIT" "$hash" "$signature"
check "the server log carries the signature (for an archive the database cannot write)" \
  grep -q "ledger checkpoint $version (hash $hash) signed by $AUDIT: $signature" "$TXR_CLUSTER_DIR/server.log"
check "NOTIFY txrelay_checkpoints carried version, hash, address and signature" \
  grep -q "\"version\" : $version, \"hash\" : \"$hash\", \"address\" : \"$AUDIT\", \"signature\" : \"$signature\"" "$TXR_CLUSTER_DIR/checkpoints.listen"
check "verify_ledger() and verify_ledger(true) find nothing" \
  test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")/$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0/0

# The forger: one CREDIT of mallory's (her only entry, in checkpoint $version) plus 10^18 wei,
# every hash and total recomputed so that the hash chain and the checkpoint agree again.
sql "SET session_replication_role = replica;
     ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
     ALTER TABLE txrelay.ledger_accounts DISABLE TRIGGER ledger_accounts_guard;
     ALTER TABLE txrelay.ledger_checkpoint_accounts DISABLE TRIGGER ledger_checkpoint_accounts_append_only;
     ALTER TABLE txrelay.ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only;
     UPDATE txrelay.ledger_entries SET amount = amount + 1000000000000000000 WHERE reference = 'sig-funding';
     UPDATE txrelay.ledger_entries e SET hash = txrelay._ledger_entry_hash(e.prev_hash, e.entry_id, e.account_seq, e.kind, e.account,
              e.chain_id, e.asset, e.amount, e.fee, e.withdrawal_id, e.reference, e.created_at) WHERE reference = 'sig-funding';
     UPDATE txrelay.ledger_accounts a SET credited = credited + 1000000000000000000,
              last_hash = (SELECT hash FROM txrelay.ledger_entries WHERE reference = 'sig-funding') WHERE account = 'mallory';
     UPDATE txrelay.ledger_checkpoint_accounts c SET credited = credited + 1000000000000000000,
              last_hash = (SELECT hash FROM txrelay.ledger_entries WHERE reference = 'sig-funding') WHERE account = 'mallory';
     UPDATE txrelay.ledger_checkpoints c SET hash = txrelay._ledger_checkpoint_hash_of(c.version, c.taken_at, c.prev_hash,
              ARRAY(SELECT a FROM txrelay.ledger_checkpoint_accounts a WHERE a.version = c.version)) WHERE version = $version;
     ALTER TABLE txrelay.ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_append_only;
     ALTER TABLE txrelay.ledger_accounts ENABLE ALWAYS TRIGGER ledger_accounts_guard;
     ALTER TABLE txrelay.ledger_checkpoint_accounts ENABLE ALWAYS TRIGGER ledger_checkpoint_accounts_append_only;
     ALTER TABLE txrelay.ledger_checkpoints ENABLE ALWAYS TRIGGER ledger_checkpoints_append_only" >/dev/null
check "the forgery: mallory now holds 10^18 + 5 wei" \
  test "$(sql "SELECT available FROM txrelay.balance('mallory', 31337, 'ETH')")" = 1000000000000000005
check "the hash chain, totals and checkpoint agree with it: only the signature says otherwise" \
  test "$(sql "SELECT string_agg(DISTINCT problem, ',') FROM txrelay.verify_ledger(true)")" = "checkpoint signature does not match its hash"
check "verify_ledger() (from the newest checkpoint) reports it, naming the audit address and what the signature recovers to now" \
  test "$(sql "SELECT details ->> 'signed_by' || '/' || (details ->> 'recovered' <> '$AUDIT') FROM txrelay.verify_ledger() WHERE problem = 'checkpoint signature does not match its hash'")" = "$AUDIT/true"
check "and no new checkpoint vouches for it (TR010)" \
  sh -c "psql -X -q -At -c 'SELECT txrelay.take_ledger_checkpoint()' 2>&1 | grep -q 'checkpoint signature does not match its hash'"
finish
