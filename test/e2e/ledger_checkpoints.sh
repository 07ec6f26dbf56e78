#!/usr/bin/env bash
# Ledger checkpoints taken by the tracker on its schedule (txrelay.ledger_checkpoint_interval, 2 s
# here): versions follow one another while withdrawals are paid; an entry changed behind the
# triggers' back makes the tracker refuse the next checkpoint, log CRITICAL and raise
# ledger_verification_failed with what it found; once repaired, the next checkpoint is taken and
# the alert clears. Anvil as the chain.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup

sql "ALTER SYSTEM SET txrelay.ledger_checkpoint_interval = 2" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'cp-funding')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"
for i in 1 2 3; do
  sql "SELECT txrelay.approve((txrelay.request_withdrawal('cp-$i', 'alice', 31337, 'ETH', '${DEV[5]}', ${i}000000000000000)).withdrawal_id, gen_random_uuid(), 'cp-pd-$i', 'e2e')" >/dev/null
done
wait_for "SELECT count(*) = 3 FROM txrelay.withdrawals WHERE status = 'included'" 30 "three withdrawals included"
first=$(sql "SELECT coalesce(max(version), 0) FROM txrelay.ledger_checkpoints")
wait_for "SELECT max(version) >= $first + 2 FROM txrelay.ledger_checkpoints" 20 "two more checkpoints"
check "the tracker takes checkpoints on its schedule (version $first, then $(sql "SELECT max(version) FROM txrelay.ledger_checkpoints"))" true
check "alice's newest checkpointed state equals her ledger totals" \
  test "$(sql "SELECT (cp.credited, cp.reserved, cp.spent, cp.entry_count) = (a.credited, a.reserved, a.spent, a.entry_count)
                FROM txrelay.ledger_accounts a
                JOIN LATERAL (SELECT * FROM txrelay.ledger_checkpoint_accounts c WHERE c.account = a.account
                               ORDER BY c.version DESC LIMIT 1) cp ON true WHERE a.account = 'alice'")" = t
check "the server log names each checkpoint with its hash" \
  grep -qE "ledger checkpoint [0-9]+ taken: [0-9]+ accounts changed since the one before; hash 0x[0-9a-f]{64}" "$TXR_CLUSTER_DIR/server.log"
check "verify_ledger(true) checks every checkpoint against the entries: nothing found" \
  test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0

# Damage: a superuser edits a credit behind the append-only trigger.
entry=$(sql "SELECT txrelay.credit('alice', 31337, 'ETH', 5, 'cp-late')")
sql "ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
     UPDATE txrelay.ledger_entries SET amount = 6 WHERE entry_id = $entry;
     ALTER TABLE txrelay.ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_append_only" >/dev/null
wait_for "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'ledger_verification_failed'" 20 "ledger_verification_failed"
check "the alert says what was found, and where (alice's account)" \
  test "$(sql "SELECT severity || ' ' || (what ~ '^ledger verification failed: .*\"account\": \"alice\".*found\); checkpoint [0-9]+ not taken$') FROM txrelay.alerts WHERE alert = 'ledger_verification_failed'")" = "critical true"
stuck=$(sql "SELECT max(version) FROM txrelay.ledger_checkpoints")
sleep 4.5
check "no checkpoint vouches for the damaged ledger (still version $stuck after two more intervals)" \
  test "$(sql "SELECT max(version) FROM txrelay.ledger_checkpoints")" = "$stuck"
check "the tracker logged it as CRITICAL" grep -q "CRITICAL: ledger verification failed" "$TXR_CLUSTER_DIR/server.log"

# Repair: the row as it was.
sql "ALTER TABLE txrelay.ledger_entries DISABLE TRIGGER ledger_entries_append_only;
     UPDATE txrelay.ledger_entries SET amount = 5 WHERE entry_id = $entry;
     ALTER TABLE txrelay.ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_append_only" >/dev/null
wait_for "SELECT max(version) > $stuck FROM txrelay.ledger_checkpoints" 20 "a checkpoint after the repair"
check "after the repair the next checkpoint is taken and the alert clears" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert LIKE 'ledger_%'")" = 0
check "verify_ledger() and verify_ledger(true) find nothing" \
  test "$(sql "SELECT (SELECT count(*) FROM txrelay.verify_ledger()) + (SELECT count(*) FROM txrelay.verify_ledger(true))")" = 0
finish
