#!/usr/bin/env bash
# The broadcaster's start-up reconciliation (issue 7): before its first send on a chain, a newly
# started broadcaster (as at a promotion) compares each sender with the chain. Here a failover is
# played that lost the record of a send: the chain has mined nonce 1 of the sender, the database
# has no signed transaction for it, and a withdrawal requested since has reserved nonce 1 again
# (so the database's next nonce matches the chain and only the signed-attempt rule can tell). The
# restarted broadcaster's run records the chain's transaction at nonce 1; the new withdrawal there
# asks for another call, so the sender is quarantined before anything is signed (decision 79), the
# new withdrawal stays unsigned (nothing is paid twice), and the alert names the reason.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

fund_one_sender startup
w1=$(approve_new startup-1)
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$w1'" 30 "the first withdrawal sent"
check "before its first send the broadcaster reconciled the chain: a start-up run, done, nothing found" \
  test "$(sql "SELECT status || '/' || findings FROM txrelay.reconciliation_runs WHERE requested_by = 'txrelay broadcaster start-up'")" = "done/0"
check "the start-up run did not count the domain (a history-long read the first send would wait for; decision 59)" \
  test "$(sql "SELECT domain_counts IS NULL FROM txrelay.reconciliation_runs WHERE requested_by = 'txrelay broadcaster start-up'")" = t

# The lost send: the chain mines nonce 1 of the sender; the database never heard of it.
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = off" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null
"$CAST" send --private-key "$KEY0" --rpc-url "$ANVIL_URL" --nonce 1 "${DEV[6]}" --value 1 >/dev/null
# The customer's retry (the first request's record was lost too): a new withdrawal, nonce 1 reserved again.
w2=$(approve_new startup-2)
check "the retried withdrawal got nonce 1 again: the database's next nonce (2) now equals the chain's count" \
  test "$(sql "SELECT n.nonce || '/' || s.next_nonce FROM txrelay.nonce_reservations n JOIN txrelay.senders s ON s.chain_id = n.chain_id AND s.address = n.from_address WHERE n.withdrawal_id = '$w2'")" = "1/2"

# A new broadcaster process, as on a promoted standby.
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" >/dev/null
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = on" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT status = 'quarantined' FROM txrelay.senders WHERE address = '${DEV[0]}'" 30 "the sender quarantined"
check "the start-up run recorded the chain's transaction at nonce 1 (mined without a signed one of ours)" \
  test "$(sql "SELECT count(*) FROM txrelay.unknown_transactions WHERE nonce = 1 AND settled IS NULL")" = 1
check "the retried withdrawal at nonce 1 asks for another call: the sender quarantined before signing" \
  test "$(sql "SELECT status_reason LIKE 'before signing: the chain holds transaction 0x% at nonce 1 %another call' FROM txrelay.senders WHERE address = '${DEV[0]}'")" = t
sleep 2
check "the retried withdrawal was never signed or sent (approved, no attempt; the node's count still 2)" \
  test "$(sql "SELECT status || '/' || (SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w2') FROM txrelay.withdrawals WHERE withdrawal_id = '$w2'")/$(tx_count "${DEV[0]}")" = "approved/0/2"
check "its signing job waits, saying why" \
  test "$(sql "SELECT last_error LIKE 'sender quarantined: %' FROM txrelay.outbox WHERE withdrawal_id = '$w2' AND kind = 'sign'")" = t
check "sender_quarantined is a critical alert" \
  test "$(sql "SELECT severity FROM txrelay.alerts WHERE alert = 'sender_quarantined' AND details ->> 'sender' = '${DEV[0]}'")" = critical
check "the broadcaster logged it as CRITICAL" grep -q "txrelay broadcaster: CRITICAL: reconciliation run .*mined nonce 1" "$TXR_CLUSTER_DIR/server.log"
finish
