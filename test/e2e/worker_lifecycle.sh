#!/usr/bin/env bash
# The broadcaster as a process (DESIGN §5): it shows in pg_stat_activity what it does, reloads
# its settings on SIGHUP, comes back after it is terminated, and exits promptly on SIGTERM even
# in the middle of an RPC call; on a schema version its library does not run with, it waits and
# says why instead of sending (decision 63), and goes on once the schema is one it knows.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'life-funding')" >/dev/null
pid_of() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 2>/dev/null || true; }
request() { sql "SELECT (txrelay.approve((txrelay.request_withdrawal('life-$1', 'alice', 31337, 'ETH', '${DEV[6]}', $1)).withdrawal_id, gen_random_uuid(), 'life-pd-$1', 'e2e')).withdrawal_id"; }

wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster' AND query LIKE 'broadcaster: %'" 10 "the broadcaster in pg_stat_activity"
check "pg_stat_activity shows the broadcaster and what it does" \
  test "$(sql "SELECT application_name || ' | ' || query FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'")" = "txrelay broadcaster | broadcaster: waiting for work"

# SIGHUP: turned off, it leaves queued work alone and says so; turned on, it sends.
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = off" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT query LIKE '%disabled%' FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 10 "disabled after reload"
id=$(request 1)
sleep 1
check "after SIGHUP with broadcaster_enabled = off, nothing is signed or sent" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = approved
sql "ALTER SYSTEM RESET txrelay.broadcaster_enabled" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 10 "enabled again"
check "after SIGHUP with it on again, the queued withdrawal goes out" true

# A withdrawal cancelled after approval still consumes its nonce: the broadcaster signs and sends
# the gap filler (a zero-value self-transfer), so the sender's next withdrawal is not stuck.
sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = off" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT query LIKE '%disabled%' FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 10 "disabled"
cancelled=$(request 3)
sql "SELECT status FROM txrelay.cancel('$cancelled', 'customer asked')" >/dev/null
after=$(request 4)
sql "ALTER SYSTEM RESET txrelay.broadcaster_enabled" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$after'" 20 "the next withdrawal after the gap"
check "the gap filler was signed and sent for the cancelled withdrawal's nonce" \
  test "$(sql "SELECT count(*) FROM txrelay.attempts a JOIN txrelay.signature_requests s USING (signature_request_id) WHERE a.withdrawal_id = '$cancelled' AND s.kind = 'gap_filler' AND a.status = 'sent'")" = 1
check "on chain: a zero-value self-transfer at the cancelled nonce, the next withdrawal after it" check_chain --require-all-sent
check "the withdrawal cancelled after approval waits in cancelling, its amount reserved (no tracker here to see the gap filler final)" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$cancelled'")/$(sql "SELECT count(*) FROM txrelay.ledger_entries WHERE withdrawal_id = '$cancelled' AND kind = 'RELEASE'")" = "cancelling/0"

# Terminated by an operator: it comes back by itself (never a silent stop).
old=$(pid_of)
sql "SELECT pg_terminate_backend($old)" >/dev/null
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster' AND pid <> $old" 10 "a new broadcaster"
check "after pg_terminate_backend the broadcaster is back (new pid)" test "$(pid_of)" != "$old"

# SIGTERM in the middle of an RPC: the proxy swallows the send, the read timeout is 60 s.
PROXY_ENDPOINT=$(sql "SELECT endpoint_id FROM txrelay.rpc_endpoints WHERE url = '$PROXY_URL'")
sql "SELECT txrelay.set_rpc_endpoint($PROXY_ENDPOINT, request_timeout_ms => 60000)" >/dev/null
proxy_mode '{"mode": "blackhole", "method": "eth_sendRawTransaction"}'
id=$(request 2)
sleep 1
pid=$(pid_of)
check "the broadcaster is waiting on the swallowed send" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = signed
start=$(date +%s%N)
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# SIGTERM during an RPC: the broadcaster exited in $ms ms"
check "SIGTERM mid-RPC exits promptly (under 1 s, the RPC timeout being 60 s)" test "$ms" -lt 1000
proxy_mode '{"mode": "pass"}'
sql "SELECT txrelay.set_rpc_endpoint($PROXY_ENDPOINT, request_timeout_ms => 5000)" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 20 "the send after restart"
check "the restarted broadcaster recovered the lease and sent it" check_chain --require-all-sent
check "one signature for it" test "$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$id'")" = 1

# A schema version the library does not run with (as after a skipped update): the restarted
# broadcaster waits, says so, and leaves queued work alone; back on a known version, it sends.
version=$(sql "SELECT extversion FROM pg_extension WHERE extname = 'txrelay'")
sql "UPDATE pg_catalog.pg_extension SET extversion = '9.9.9' WHERE extname = 'txrelay'" >/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" >/dev/null
wait_for "SELECT query LIKE '%installed schema is txrelay 9.9.9%' FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 20 \
  "the broadcaster waiting on an unknown schema"
late=$(request 99)
sleep 1.5
check "on an unknown schema version it waits, says why in pg_stat_activity and the log, and sends nothing" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$late'")/$(grep -c 'waiting: the installed schema is txrelay 9.9.9' "$TXR_CLUSTER_DIR/server.log")" = "approved/1"
sql "UPDATE pg_catalog.pg_extension SET extversion = '$version' WHERE extname = 'txrelay'" >/dev/null
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$late'" 30 "the send once the schema is known"
check "back on a version it knows, it sends" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$late'")" = broadcasted
finish
