#!/usr/bin/env bash
# txrelay.require_synchronous_standby (DESIGN §8, issue 7) with a real streaming standby: while the
# standby is synchronous, withdrawals are sent as usual; with the standby gone (and the primary no
# longer waiting for it, as Patroni's non-strict mode does) a signed withdrawal is recorded but not
# sent - the node sees nothing at its nonce - and standby_not_in_sync says why; when a synchronous
# standby is back, it goes out by itself and the alert clears.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

standby_start txrelay_standby
sql "ALTER SYSTEM SET synchronous_standby_names = 'txrelay_standby'" >/dev/null
sql "ALTER SYSTEM SET txrelay.require_synchronous_standby = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = 'txrelay_standby' AND sync_state = 'sync'" 30 "a synchronous standby"

fund_one_sender sync
w1=$(approve_new sync-1)
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'" 30 "the first withdrawal sent"
check "with a synchronous standby a withdrawal is sent as usual" \
  test "$(tx_count "${DEV[0]}")" = 1

# The standby goes away, and the primary stops waiting for it (synchronous_standby_names = ''):
# commits no longer reach a standby, so nothing may be sent.
standby_stop
sql "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
w2=$(approve_new sync-2)
wait_for "SELECT status = 'signed' FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'" 30 "the second withdrawal signed"
wait_for "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'standby_not_in_sync'" 20 "standby_not_in_sync"
sleep 3
check "without a synchronous standby the signed withdrawal is recorded but not sent (still 'signed', the node has nothing at nonce 1)" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'")/$(tx_count "${DEV[0]}")" = "signed/1"
check "the alert is critical and says what it waits for" \
  test "$(sql "SELECT severity || ' ' || (what LIKE '%waiting for a synchronous standby to flush WAL up to %') FROM txrelay.alerts WHERE alert = 'standby_not_in_sync'")" = "critical true"
check "the broadcast row waits in the queue without using up its tries (held several times, tries at most the current claim)" \
  test "$(sql "SELECT (status IN ('pending', 'leased')) || '/' || (tries <= 1) FROM txrelay.outbox WHERE withdrawal_id = '$w2' AND kind = 'broadcast'")" = "true/true"
check "the broadcaster said it once, as CRITICAL" \
  test "$(grep -c 'CRITICAL: sends held: waiting for a synchronous standby' "$TXR_CLUSTER_DIR/server.log")" = 1

standby_start txrelay_standby2
sql "ALTER SYSTEM SET synchronous_standby_names = 'txrelay_standby2'" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'" 30 "the held withdrawal sent"
check "with a synchronous standby back, the held withdrawal goes out by itself" \
  test "$(tx_count "${DEV[0]}")" = 2
check "and the alert clears" test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'standby_not_in_sync'")" = 0

# A demoted or cut-off primary: the synchronous standby is gone but still named, so a worker's
# commit waits for it. A fast shutdown (what an HA engine asks of the old primary) must still end:
# the worker leaves the wait on SIGTERM as a backend does (issue 21; before, it waited forever).
standby_stop
PGOPTIONS='-c synchronous_commit=local' approve_new sync-3 >/dev/null   # the client's own commit does not wait
wait_for "SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type LIKE 'txrelay %' AND wait_event = 'SyncRep'" 30 "a worker's commit waiting for the standby"
t0=$SECONDS
kill -INT "$TXR_CLUSTER_PID"
for _ in $(seq 1 150); do kill -0 "$TXR_CLUSTER_PID" 2>/dev/null || break; sleep 0.1; done
check "a fast shutdown ends while a worker's commit waits for a synchronous standby that is gone ($((SECONDS - t0)) s)" \
  bash -c "! kill -0 $TXR_CLUSTER_PID 2>/dev/null"
check "the worker said it left the wait, and that its commit stands locally only" \
  grep -q 'canceling the wait for synchronous replication and terminating connection due to administrator command' "$TXR_CLUSTER_DIR/server.log"
finish
