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

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'sync-funding')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"
approve() { sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '${DEV[5]}', 1000000000000000)).withdrawal_id, gen_random_uuid(), 'pd-$1', 'e2e')).withdrawal_id"; }
w1=$(approve sync-1)
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'" 30 "the first withdrawal sent"
check "with a synchronous standby a withdrawal is sent as usual" \
  test "$(rpc eth_getTransactionCount "[\"${DEV[0]}\", \"pending\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')" = 1

# The standby goes away, and the primary stops waiting for it (synchronous_standby_names = ''):
# commits no longer reach a standby, so nothing may be sent.
standby_stop
sql "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
w2=$(approve sync-2)
wait_for "SELECT status = 'signed' FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'" 30 "the second withdrawal signed"
wait_for "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'standby_not_in_sync'" 20 "standby_not_in_sync"
sleep 3
check "without a synchronous standby the signed withdrawal is recorded but not sent (still 'signed', the node has nothing at nonce 1)" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'")/$(rpc eth_getTransactionCount "[\"${DEV[0]}\", \"pending\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')" = "signed/1"
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
  test "$(rpc eth_getTransactionCount "[\"${DEV[0]}\", \"pending\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')" = 2
check "and the alert clears" test "$(sql "SELECT count(*) FROM txrelay.alerts WHERE alert = 'standby_not_in_sync'")" = 0
finish
