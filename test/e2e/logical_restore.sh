#!/usr/bin/env bash
# The logical backup path, for real (issue 20): withdrawals paid on anvil, a checkpoint taken
# (its hash is what the archive keeps), pg_dump; the cluster is thrown away; a new cluster gets
# CREATE EXTENSION txrelay and pg_restore --data-only --disable-triggers --single-transaction,
# with the workers off. As restored, the next request fails (23505: the identity counters came
# back at 1) and the triggers are in ordinary mode (the issue). txrelay.after_restore(version,
# hash) repairs both, verifies the whole ledger and matches the archived checkpoint; then a new
# withdrawal is requested, the workers are switched on, and it is paid once on the same chain;
# a superuser with session_replication_role = replica cannot delete a ledger entry.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'restore-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the sender's nonce"
approve() {
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '${DEV[6]}', $2)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id"
}
for k in 1 2 3; do approve "restore-$k" $((1000 + k)) >/dev/null; done
for _ in $(seq 1 100); do
  [ "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NOT NULL")" = 3 ] && break
  mine 1
  sleep 0.2
done
check "three withdrawals paid and completed before the backup" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NOT NULL")" = 3
read -r version hash < <(sql "SELECT version, '0x' || encode(hash, 'hex') FROM txrelay.take_ledger_checkpoint()" | tr '|' ' ')
dump=$(mktemp /tmp/txrelay-dump.XXXXXX)
as_pg "$PG_BINDIR/pg_dump" -Fc -h "$PGHOST" -p "$PGPORT" -U postgres -d txrelay_e2e -f "$dump.pgc"
chmod 644 "$dump.pgc"
# (the history of the money; rpc_calls keeps growing with the tracker's polls meanwhile)
counts="SELECT (SELECT count(*) FROM txrelay.ledger_entries) || '/' || (SELECT count(*) FROM txrelay.withdrawal_events) || '/' || (SELECT count(*) FROM txrelay.withdrawals)"
rows_before=$(sql "$counts")

# A new cluster: the old one is gone (anvil and the proxy stay: the chain remembers).
cluster_stop
TXR_EXTRA_CONF="$E2E_CONF"$'\ntxrelay.broadcaster_enabled = off\ntxrelay.tracker_enabled = off' cluster_start txrelay_e2e
sql "CREATE EXTENSION txrelay" >/dev/null
as_pg "$PG_BINDIR/pg_restore" --data-only --disable-triggers --single-transaction -h "$PGHOST" -p "$PGPORT" -U postgres \
  -d txrelay_e2e "$dump.pgc"
rm -f "$dump" "$dump.pgc"
check "the restore brought the ledger, the events and the withdrawals back ($rows_before)" test "$(sql "$counts")" = "$rows_before"
check "as restored, the next request fails with 23505 (identity counters back at 1: the issue)" \
  bash -c "psql -X -q -At -c \"SELECT txrelay.request_withdrawal('restore-too-early', 'alice', 31337, 'ETH', '${DEV[6]}', 5)\" 2>&1 | grep -q 'duplicate key value'"
check "as restored, the triggers are in ordinary mode (the issue)" \
  test "$(sql "SELECT count(*) > 0 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'txrelay'::regnamespace AND NOT t.tgisinternal AND t.tgenabled <> 'A'")" = t

psql -X -c "SELECT * FROM txrelay.after_restore($version, '$hash')"
check "after_restore($version, the archived hash): identity, triggers, ledger and checkpoint all ok" \
  test "$(sql "SELECT string_agg(step || '=' || ok, ',' ORDER BY step) FROM txrelay.after_restore($version, '$hash')")" = \
       "checkpoint=true,identity=true,ledger=true,triggers=true"
w=$(approve restore-after 4444)
check "a new request is accepted on the restored database" test -n "$w"
# (the balance before the workers start: anvil mines a send at once)
before=$(rpc eth_getBalance "[\"${DEV[6]}\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = on" >/dev/null
sql "ALTER SYSTEM SET txrelay.tracker_enabled = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" || true
after=$(rpc eth_getBalance "[\"${DEV[6]}\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')
check "with the workers on, it is paid once from the restored database (4444 wei)" \
  test "$(sql "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'")/$((after - before))" = t/4444
check "a superuser with session_replication_role = replica cannot delete a ledger entry (TR006)" \
  bash -c "PGOPTIONS='-c session_replication_role=replica' psql -X -q -At -v VERBOSITY=verbose -c 'DELETE FROM txrelay.ledger_entries' 2>&1 | grep -q TR006"
check "on chain: every nonce once, each the withdrawal's own" check_chain --require-all-sent
check "verify_ledger(true) finds nothing at the end" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
finish
