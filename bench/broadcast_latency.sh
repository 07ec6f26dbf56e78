#!/usr/bin/env bash
# Latency from the commit of approve to eth_sendRawTransaction leaving the broadcaster, over 500
# withdrawals (4 senders, anvil automine, signer = anvil's eth_signTransaction), in two modes:
#   paced  one approval every PACE_MS (default 20 ms): the latency of a lone withdrawal
#   burst  all approvals back to back from one client: latency under queueing
# The commit time is the approval row's commit timestamp (track_commit_timestamp), the send time
# the audit's started_at of the first eth_sendRawTransaction: both from the server's clock.
# Usage: bench/broadcast_latency.sh [N]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
. test/e2e/lib.sh
N=${1:-500}
PACE_MS=${PACE_MS:-20}
./scripts/deps.sh >/dev/null
make -s -j"$(nproc)" >/dev/null && as_root make -s install >/dev/null
e2e_setup >/dev/null
for i in 0 1 2 3; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil', 0)" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000000, 'bench-funding')" >/dev/null
# The chain endpoint is anvil itself for the benchmark (the proxy is for fault tests), a local
# node: its rate limit is raised from the default 100 requests/s, which would otherwise pace the
# broadcaster at about 33 withdrawals/s (three requests each: estimate, send, nonce reads).
sql "SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => false) FROM txrelay.rpc_endpoints" >/dev/null
sql "SELECT txrelay.set_rpc_endpoint(txrelay.add_rpc_endpoint(31337, '$ANVIL_URL'), max_requests_per_sec => 100000)" >/dev/null

run_mode() {  # run_mode name pause_seconds
  local mode=$1 pause=$2 script
  script=$(mktemp)
  for k in $(seq 1 "$N"); do
    echo "SELECT txrelay.approve((txrelay.request_withdrawal('$mode-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k % 6))]}', $k)).withdrawal_id, gen_random_uuid(), '$mode-pd-$k', 'bench');"
    [ "$pause" != 0 ] && echo "SELECT pg_sleep($pause);"
  done >"$script"
  psql -X -q -v ON_ERROR_STOP=1 -f "$script" >/dev/null
  rm -f "$script"
  wait_for "SELECT count(*) = $N FROM txrelay.withdrawals WHERE idempotency_key LIKE '$mode-%' AND status = 'broadcasted'" 300 "$mode sends" >/dev/null
  sql "WITH l AS (
         SELECT extract(epoch FROM (SELECT min(r.started_at) FROM txrelay.rpc_calls r
                                     WHERE r.withdrawal_id = w.withdrawal_id AND r.method = 'eth_sendRawTransaction')
                                   - pg_xact_commit_timestamp(a.xmin)) * 1000 AS ms
           FROM txrelay.withdrawals w JOIN txrelay.approvals a USING (withdrawal_id)
          WHERE w.idempotency_key LIKE '$mode-%')
       SELECT '| $mode | ' || count(*) || ' | ' || round(min(ms)::numeric, 1) || ' | '
              || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 1) || ' | '
              || round((percentile_cont(0.95) WITHIN GROUP (ORDER BY ms))::numeric, 1) || ' | '
              || round(max(ms)::numeric, 1) || ' |' FROM l"
}

echo "| mode | withdrawals | min ms | median ms | p95 ms | max ms |"
echo "|---|---|---|---|---|---|"
run_mode paced "0.$(printf '%03d' "$PACE_MS")"
run_mode burst 0
check_chain --require-all-sent >/dev/null || { echo "chain check failed" >&2; exit 1; }
