#!/usr/bin/env bash
# kill -9 of the broadcaster at random moments during a batch, RUNS times (default 20). The
# postmaster treats it as a crash and restarts every process (crash recovery); the broadcaster
# comes back, recovers the leases and finishes. After each run: nothing lost (every withdrawal
# broadcast, on chain at its nonce), nothing sent with a second nonce or signed twice, no lease
# left behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

RUNS=${RUNS:-20}
PER_RUN=${PER_RUN:-15}
for i in 0 1; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil', 0)" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'kill-funding')" >/dev/null

broadcaster_pid() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 2>/dev/null || true; }
wait_db() { for _ in $(seq 1 300); do psql -X -q -At -c "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

killed=0
total=0
for run in $(seq 1 "$RUNS"); do
  script=$(mktemp)
  for k in $(seq 1 "$PER_RUN"); do
    total=$((total + 1))
    echo "SELECT txrelay.approve((txrelay.request_withdrawal('kill-$run-$k', 'alice', 31337, 'ETH', '${DEV[$((2 + k % 6))]}', $((run * 1000 + k)))).withdrawal_id, gen_random_uuid(), 'kill-pd-$run-$k', 'e2e');"
  done >"$script"
  pid=$(broadcaster_pid)
  psql -X -q -v ON_ERROR_STOP=1 -f "$script" >/dev/null &
  requests=$!
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$requests" || true   # the crash restart may cut this session: the rest is re-requested below
  rm -f "$script"
  sleep 0.3   # let the postmaster notice the crash before we look
  # A request cut by the crash is retried with the same key (that is what the key is for), until
  # every request of the run is recorded and approved.
  for _ in $(seq 1 100); do
    wait_db || break
    missing=0
    for k in $(seq 1 "$PER_RUN"); do
      psql -X -q -c "SELECT txrelay.approve(w.withdrawal_id, gen_random_uuid(), 'kill-pd-$run-$k-retry', 'e2e') FROM txrelay.request_withdrawal('kill-$run-$k', 'alice', 31337, 'ETH', '${DEV[$((2 + k % 6))]}', $((run * 1000 + k))) w WHERE w.status = 'requested'" >/dev/null 2>&1 || missing=1
    done
    [ "$missing" -eq 0 ] && break
    sleep 0.2
  done
  if ! wait_for "SELECT count(*) = $total FROM txrelay.withdrawals WHERE status = 'broadcasted'" 60 "run $run: all withdrawals broadcast"; then
    not_ok "run $run: every withdrawal broadcast after the kill"
    break
  fi
done
echo "# $RUNS runs, broadcaster killed with SIGKILL $killed times, $total withdrawals"
check "the broadcaster was killed in most runs" test "$killed" -ge $((RUNS * 3 / 4))
check "nothing lost: all $total withdrawals broadcast" test "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status = 'broadcasted'")" = "$total"
check "on chain: each at its own nonce, paying its recipient, nothing foreign" check_chain --require-all-sent
check "nothing sent with a second nonce: one reservation per withdrawal, nonces gap-free" \
  test "$(sql "SELECT (SELECT count(DISTINCT withdrawal_id) = $total AND count(*) = $total FROM txrelay.nonce_reservations) AND (SELECT bool_and(n = top + 1) FROM (SELECT count(*) n, max(nonce) top FROM txrelay.nonce_reservations GROUP BY from_address) x)")" = t
check "signed once: one attempt per withdrawal" \
  test "$(sql "SELECT count(*) FROM txrelay.attempts")" = "$total"
check "every lease recovered: no outbox row left leased or pending" \
  test "$(sql "SELECT count(*) FROM txrelay.outbox WHERE status IN ('leased', 'pending')")" = 0
check "no dead letter" test "$(sql "SELECT count(*) FROM txrelay.outbox WHERE status = 'dead'")" = 0
check "verify_ledger() finds nothing" test -z "$(sql "SELECT * FROM txrelay.verify_ledger()")"
finish
