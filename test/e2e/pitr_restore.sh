#!/usr/bin/env bash
# Point-in-time recovery with pgBackRest, and a database restored to an earlier point never pays
# twice (issue 20, decision 79). WAL is archived to a pgBackRest repository; a full backup, a
# withdrawal paid (before the target time), two more paid after it, an incremental backup. The
# cluster is thrown away and restored from the repository to the target time into a new
# directory, the workers off: txrelay.after_restore() finds the ledger whole, with the first
# withdrawal and without the two later ones - which the chain remembers. The workers are switched
# on: a reconciliation run finds the chain's transactions at the nonces no signed attempt explains
# and records them, the hot wallet held, not quarantined. The application retries those two with
# the same idempotency keys; the broadcaster adopts each for the retry at its nonce (exactly its
# payment):
# nothing signed, nothing sent, both complete on the chain's own hashes with the receipts' fees,
# no quarantine, no person. A new withdrawal is paid as usual after. Then the key is used outside
# txrelay: a run records that transaction too, and the next withdrawal reserved at its nonce - a
# different call - quarantines the sender before anything is signed; a withdrawal at a second hot
# wallet asking for exactly that transaction's payment is held until the operator dismisses it.
# Each payment is on chain once, judged from the blocks, and the ledger verifies.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
backrest_archiving
e2e_setup
cleanup_repo() { rm -rf "$REPO"; }
trap 'e2e_teardown; cleanup_repo' EXIT
backrest_conf "$CONF" "$REPO" repo1-retention-full=2
backrest stanza-create
t0=$SECONDS
backrest backup --type=full
full_s=$((SECONDS - t0))

sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:1')" >/dev/null
fund_one_sender pitr
pay() {  # pay KEY AMOUNT: requested, approved, mined, completed
  local w
  w=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '${DEV[6]}', $2)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id")
  mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w'" 100
}
balance() { rpc eth_getBalance "[\"$1\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }
start=$(balance "${DEV[6]}")
pay pitr-1 1001
sleep 1
target=$(sql "SELECT now()")
sleep 1
pay pitr-2 1002
pay pitr-3 1003
check "three withdrawals paid before the restore: 1001 + 1002 + 1003 wei" test "$(($(balance "${DEV[6]}") - start))" = 3006
paid_hashes=$(sql "SELECT string_agg(encode(a.tx_hash, 'hex'), ',' ORDER BY w.idempotency_key) FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key IN ('pitr-2', 'pitr-3') AND a.status = 'included'")
t0=$SECONDS
backrest backup --type=incr
incr_s=$((SECONDS - t0))
backrest check  # switches the WAL segment and waits until it is in the repository
check "pgBackRest has a full and an incremental backup" \
  test "$(backrest info --output=json | python3 -c 'import json,sys; print(",".join(b["type"] for b in json.load(sys.stdin)[0]["backup"]))')" = "full,incr"

# The cluster is lost; a new directory restored from the repository to the target time.
cluster_stop
RESTORED=$(mktemp -d /tmp/txrelay-pg.XXXXXX)
chmod 755 "$RESTORED"
chown postgres: "$RESTORED" 2>/dev/null || true
t0=$SECONDS
backrest restore --pg1-path="$RESTORED/data" --type=time --target="$target" --target-action=promote
# (the workers off in postgresql.auto.conf, where ALTER SYSTEM switches them on later)
printf "txrelay.broadcaster_enabled = 'off'\ntxrelay.tracker_enabled = 'off'\n" >>"$RESTORED/data/postgresql.auto.conf"
port=$(free_port)
as_pg "$PG_BINDIR/pg_ctl" -D "$RESTORED/data" -l "$RESTORED/server.log" -w -t 120 start \
  -o "-p $port -k $RESTORED -c archive_mode=off" >/dev/null
TXR_CLUSTER_DIR=$RESTORED
TXR_CLUSTER_PID=$(head -1 "$RESTORED/data/postmaster.pid")
export PGHOST=$RESTORED PGPORT=$port
wait_for "SELECT NOT pg_is_in_recovery()" 60 "recovery to the target time"
restore_s=$((SECONDS - t0))
echo "# pgBackRest: full backup ${full_s} s, incremental ${incr_s} s, restore to a point in time and recovery ${restore_s} s"
check "restored to the target time: the first withdrawal is there, the two later ones are not" \
  test "$(sql "SELECT string_agg(idempotency_key, ',' ORDER BY idempotency_key) FROM txrelay.withdrawals")" = pitr-1
psql -X -c "SELECT * FROM txrelay.after_restore()"
check "after_restore(): counters, triggers and the whole ledger fine" \
  test "$(sql "SELECT string_agg(step || '=' || coalesce(ok::text, '-'), ',' ORDER BY step) FROM txrelay.after_restore()")" = \
       "checkpoint=-,identity=true,ledger=true,triggers=true"

# The workers start, and a reconciliation run (pg_cron's, here asked at once) finds what the chain
# remembers; then the application, not finding pitr-2 and pitr-3, retries them with the same keys.
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = on" >/dev/null
sql "ALTER SYSTEM SET txrelay.tracker_enabled = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
first_run=$(sql "SELECT txrelay.reconcile(31337)")
wait_for "SELECT status = 'done' FROM txrelay.reconciliation_runs WHERE run_id = $first_run" 30 "the first run on the restored database"
check "with the workers on, a run records the chain's two transactions the database forgot and holds the hot wallet (not quarantined: the retries can still reserve)" \
  test "$(sql "SELECT count(*) FROM txrelay.unknown_transactions WHERE found_by_run = $first_run AND settled IS NULL")/$(sql "SELECT status FROM txrelay.senders")" = "2/active"
for k in 2 3; do
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('pitr-$k', 'alice', 31337, 'ETH', '${DEV[6]}', 100$k)).withdrawal_id, gen_random_uuid(), 'pitr-$k-pd-again', 'e2e')).withdrawal_id" >/dev/null
done
retried="SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key IN ('pitr-2', 'pitr-3')"
wait_for "SELECT count(*) = 2 FROM txrelay.unknown_transactions WHERE settled = 'adopted'" 60 "both retries adopted"
mine_until "SELECT count(*) = 2 FROM txrelay.withdrawals WHERE completed_at IS NOT NULL AND withdrawal_id IN ($retried)" 50 || true
psql -X -c "SELECT nonce, '0x' || encode(tx_hash, 'hex') AS tx_hash, to_address, value, found_by_run, settled, settled_by FROM txrelay.unknown_transactions ORDER BY nonce"
check "after the retries: still the two transactions recorded, no one quarantined" \
  test "$(sql "SELECT count(*) FROM txrelay.unknown_transactions")/$(sql "SELECT status FROM txrelay.senders")" = "2/active"
check "each retry adopted the chain's own transaction at its nonce: the hashes paid before the restore" \
  test "$(sql "SELECT string_agg(encode(a.tx_hash, 'hex'), ',' ORDER BY w.idempotency_key) FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.withdrawal_id IN ($retried)")" = "$paid_hashes"
check "both retried withdrawals completed, each with one attempt" \
  test "$(sql "SELECT count(DISTINCT w.withdrawal_id) || '/' || count(*) FROM txrelay.withdrawals w JOIN txrelay.attempts a USING (withdrawal_id) WHERE w.completed_at IS NOT NULL AND w.withdrawal_id IN ($retried)")" = 2/2
check "nothing signed or sent for them on the restored database: no eth_signTransaction, no eth_sendRawTransaction" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE method IN ('eth_signTransaction', 'eth_sendRawTransaction') AND withdrawal_id IN ($retried)")" = 0
receipt_fees=$(for h in ${paid_hashes//,/ }; do rpc eth_getTransactionReceipt "[\"0x$h\"]" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(int(r["gasUsed"],16)*int(r["effectiveGasPrice"],16))'; done | paste -sd,)
check "each COMMIT carries the fee of the chain's receipt" \
  test "$(sql "SELECT string_agg(l.fee::text, ',' ORDER BY w.idempotency_key) FROM txrelay.ledger_entries l JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE l.kind = 'COMMIT' AND w.withdrawal_id IN ($retried)")" = "$receipt_fees"
check "no critical alert is open: no quarantine, no unknown transaction left" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE severity = 'critical'")" = 0
check "the database ends consistent with the chain: every reserved nonce holds exactly its own payment" check_chain
check "each payment on chain once: the recipient has 1001 + 1002 + 1003 wei, not more" \
  test "$(($(balance "${DEV[6]}") - start))" = 3006

# No person had to act: the next withdrawal is paid as usual.
pay pitr-4 1004
check "a new withdrawal after the adoptions is paid at the next nonce" test "$(($(balance "${DEV[6]}") - start))" = 4010

# The hot wallet's key used outside txrelay (anvil signs for its dev account): not a payment the
# database forgot. A run records it; the next withdrawal reserved at its nonce asks for another call.
foreign=$(rpc eth_sendTransaction "[{\"from\": \"${DEV[0]}\", \"to\": \"${DEV[7]}\", \"value\": \"0x309\"}]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
mine 1
run=$(sql "SELECT txrelay.reconcile(31337)")
wait_for "SELECT status = 'done' FROM txrelay.reconciliation_runs WHERE run_id = $run" 30 "the reconciliation run"
check "the run records the foreign transaction; the unknown_transaction alert names it; the sender is held, not quarantined" \
  test "$(sql "SELECT string_agg(tx_hash, ',') FROM txrelay.alerts WHERE alert = 'unknown_transaction'")/$(sql "SELECT status FROM txrelay.senders")" = "$foreign/active"
sql "SELECT (txrelay.approve((txrelay.request_withdrawal('pitr-5', 'alice', 31337, 'ETH', '${DEV[6]}', 1005)).withdrawal_id, gen_random_uuid(), 'pitr-5-pd', 'e2e')).withdrawal_id" >/dev/null
wait_for "SELECT status = 'quarantined' FROM txrelay.senders" 30 "the sender quarantined"
sql "SELECT status_reason FROM txrelay.senders"
check "the withdrawal reserved at the foreign transaction's nonce asks for another call: quarantined before signing" \
  test "$(sql "SELECT status_reason LIKE 'before signing: the chain holds transaction $foreign %' FROM txrelay.senders")" = t
for _ in $(seq 1 10); do mine 1; sleep 0.3; done
check "it was never signed nor sent" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls r JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE w.idempotency_key = 'pitr-5' AND r.method IN ('eth_signTransaction', 'eth_sendRawTransaction')")" = 0
check "each payment on chain once: the recipient has 1001 + 1002 + 1003 + 1004 wei" \
  test "$(($(balance "${DEV[6]}") - start))" = 4010

# The same payment asked at another hot wallet (a retry landing elsewhere) is held, not signed:
# paying it would pay twice. Here it is a new payment that happens to be identical to the foreign
# transaction: the operator says so by dismissing that one, and it is paid.
sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', 'anvil')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders WHERE address = '${DEV[1]}'" 30 "the second sender's nonce"
foreign_to=$(balance "${DEV[7]}")
same=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('pitr-6', 'alice', 31337, 'ETH', '${DEV[7]}', 777)).withdrawal_id, gen_random_uuid(), 'pitr-6-pd', 'e2e')).withdrawal_id")
wait_for "SELECT last_error LIKE 'may be paid already: the chain''s transaction $foreign %' FROM txrelay.outbox WHERE withdrawal_id = '$same' AND kind = 'sign'" 30 "the same payment held"
check "a withdrawal at the other hot wallet asking for exactly the foreign transaction's payment is held and alerted" \
  test "$(sql "SELECT string_agg(n.from_address || '/' || a.tx_hash, ',') FROM txrelay.alerts a JOIN txrelay.nonce_reservations n USING (withdrawal_id) WHERE a.alert = 'withdrawal_matches_unknown_transaction'")" = "${DEV[1]}/$foreign"
check "not signed while held" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_calls WHERE withdrawal_id = '$same' AND method IN ('eth_signTransaction', 'eth_sendRawTransaction')")/$(($(balance "${DEV[7]}") - foreign_to))" = 0/0
sql "SELECT txrelay.dismiss_unknown_transaction(31337, '${DEV[0]}', nonce, 'e2e: a transfer of the hot wallet''s key outside txrelay') FROM txrelay.unknown_transactions WHERE settled IS NULL" >/dev/null
mine_until "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$same'" 50 || true
check "dismissed by the operator, the held withdrawal is signed and paid once" \
  test "$(sql "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$same'")/$(($(balance "${DEV[7]}") - foreign_to))" = "t/777"
check "judged from the blocks alone: no nonce and no transaction mined twice" check_chain --blocks-only
check "verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
finish
