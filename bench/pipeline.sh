#!/usr/bin/env bash
# Pipeline: withdrawals from request to finalized per second on anvil, beside in the same run
#   the node's limit  N pre-signed transfers sent over one keep-alive connection, one request at a
#                     time and in batches of 100 (bench/pipeline/chain_clients.js limit)
#   the peer          an ethers.js sender: a NonceManager per wallet, 16 sends in flight per wallet
# and the latencies: approval commit -> eth_sendRawTransaction (under the burst, and paced one
# withdrawal every 20 ms), and the tracker's detection delay: from the moment the node's head
# (latest, finalized) covers a transaction's block to the commit of its included / finalized event.
# Each system sends N transfers from 4 wallets of its own, in rounds (REPS) in the same order.
# The chain: anvil, one block a second (--block-time 1), finalized = latest - 2
# (--slots-in-an-epoch 1), a gas limit of 300M (room for every round's transfers in one block).
# Usage: bench/pipeline.sh   (prints a Markdown section; throwaway cluster and anvil)
set -euo pipefail
cd "$(dirname "$0")/.."
export E2E_TRACKER=on
. test/e2e/lib.sh
. bench/lib.sh
N=${N:-2000}
REPS=${REPS:-3}
PACED=${PACED:-200}
bench_build
OBSERVER_PID=""
PERF_PID=""
WORK=$(mktemp -d /tmp/txrelay-bench.XXXXXX)
bench_teardown() {
  [ -n "$OBSERVER_PID" ] && kill -TERM "$OBSERVER_PID" 2>/dev/null || true
  [ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null || true
  if [ -n "${KEEP_WORK:-}" ]; then log "raw figures kept in $WORK"; else rm -rf "$WORK"; fi
  e2e_teardown
}
trap bench_teardown EXIT
bench_chain_start "txrelay.batch_size = 500"
node bench/pipeline/chain_clients.js observe "$WORK/heads" &
OBSERVER_PID=$!
now_ms() { date +%s%3N; }

# txrelay_round NAME COUNT FEED: COUNT withdrawals requested and approved from two sessions, by
# single calls (FEED single), or by batches of 100 (FEED batch: request_withdrawals +
# approve_withdrawals, one statement a batch), or from one session by single calls FEED seconds
# apart; waits for all to be finalized; prints the JSON of chain_clients.js (start, last send,
# all included, last finalized).
txrelay_round() {
  local name=$1 count=$2 feed=$3 sessions=2 s start pids=()
  case $feed in single | batch) ;; *) sessions=1 ;; esac
  for s in $(seq 1 $sessions); do
    if [ "$feed" = batch ]; then batch_calls "$name" "$count" "$s" "$sessions"; else single_calls "$name" "$count" "$s" "$sessions" "$feed"; fi >"$WORK/$name-$s.sql"
  done
  start=$(now_ms)
  for s in $(seq 1 $sessions); do psql -X -q -v ON_ERROR_STOP=1 -f "$WORK/$name-$s.sql" >/dev/null & pids+=($!); done
  wait "${pids[@]}"
  wait_server "(SELECT count(*) = $count FROM txrelay.withdrawals WHERE idempotency_key LIKE '$name-%' AND status = 'finalized')" 600 "$name finalized"
  sql "SELECT json_build_object('n', count(*), 'start', $start,
         'sent', max(extract(epoch FROM s.started_at) * 1000),
         'mined', max(extract(epoch FROM pg_xact_commit_timestamp(i.xmin)) * 1000),
         'final', max(extract(epoch FROM pg_xact_commit_timestamp(f.xmin)) * 1000))
         FROM txrelay.withdrawals w
         JOIN LATERAL (SELECT min(started_at) AS started_at FROM txrelay.rpc_calls r
                        WHERE r.withdrawal_id = w.withdrawal_id AND r.method = 'eth_sendRawTransaction') s ON true
         JOIN txrelay.withdrawal_events i ON i.withdrawal_id = w.withdrawal_id AND i.to_status = 'included' AND i.event = 'status'
         JOIN txrelay.withdrawal_events f ON f.withdrawal_id = w.withdrawal_id AND f.to_status = 'finalized' AND f.event = 'status'
        WHERE w.idempotency_key LIKE '$name-%'"
}
# single_calls NAME COUNT SESSION SESSIONS FEED: the session's request_withdrawal + approve calls
# (every SESSIONS-th withdrawal), FEED seconds apart unless FEED is single.
single_calls() {
  local k
  for k in $(seq "$3" "$4" "$2"); do
    echo "SELECT txrelay.approve((txrelay.request_withdrawal('$1-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k % 6))]}', $k)).withdrawal_id, gen_random_uuid(), '$1-pd-$k', 'bench');"
    [ "$5" != single ] && echo "SELECT pg_sleep($5);"
  done
}
# batch_calls NAME COUNT SESSION SESSIONS: the session's batches of 100 (every SESSIONS-th batch),
# each requested and approved in one statement: withdrawals like single_calls makes.
batch_calls() {
  local b lo devs
  devs=$(printf "'%s'," "${DEV[@]:4:6}")
  for b in $(seq "$3" "$4" $((($2 + 99) / 100))); do
    lo=$(((b - 1) * 100 + 1))
    echo "WITH r AS (SELECT w.withdrawal_id FROM txrelay.request_withdrawals((
            SELECT jsonb_agg(jsonb_build_object('idempotency_key', '$1-' || k, 'account', 'alice', 'chain_id', 31337,
                    'asset', 'ETH', 'to_address', (ARRAY[${devs%,}])[1 + k % 6], 'amount', k) ORDER BY k)
              FROM generate_series($lo, LEAST($lo + 99, $2)) k)) w)
          SELECT count(*) FROM txrelay.approve_withdrawals((SELECT jsonb_agg(jsonb_build_object('withdrawal_id',
                  r.withdrawal_id, 'approval_id', gen_random_uuid(), 'policy_decision_id', gen_random_uuid()::text,
                  'decided_by', 'bench')) FROM r));"
  done
}
# latencies NAME: one line per withdrawal of the round: commit of approve -> first send (ms), the
# block it was included in, and the commit times (epoch ms) of its included and finalized events.
latencies() {
  sql "SELECT (extract(epoch FROM s.started_at - pg_xact_commit_timestamp(a.xmin)) * 1000)::numeric(12,1), t.block_number,
              (extract(epoch FROM pg_xact_commit_timestamp(i.xmin)) * 1000)::numeric(16,1),
              (extract(epoch FROM pg_xact_commit_timestamp(f.xmin)) * 1000)::numeric(16,1)
         FROM txrelay.withdrawals w JOIN txrelay.approvals a USING (withdrawal_id)
         JOIN txrelay.attempts t ON t.withdrawal_id = w.withdrawal_id AND t.status = 'included'
         JOIN LATERAL (SELECT min(started_at) AS started_at FROM txrelay.rpc_calls r
                        WHERE r.withdrawal_id = w.withdrawal_id AND r.method = 'eth_sendRawTransaction') s ON true
         JOIN txrelay.withdrawal_events i ON i.withdrawal_id = w.withdrawal_id AND i.to_status = 'included' AND i.event = 'status'
         JOIN txrelay.withdrawal_events f ON f.withdrawal_id = w.withdrawal_id AND f.to_status = 'finalized' AND f.event = 'status'
        WHERE w.idempotency_key LIKE '$1-%'" | tr '|' ' '
}

# cpu_ms PID...: the CPU time (user + system) the processes have used so far, in ms, or "-" when
# one is gone (a worker that restarted mid-round: that round is not counted).
cpu_ms() {
  local tick pid total=0 t
  tick=$(getconf CLK_TCK)
  for pid in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || { echo -; return; }
    total=$((total + t))
  done
  echo $((total * 1000 / tick))
}

declare -A RES
declare -A WORKER_CPU  # broadcaster + tracker CPU per withdrawal (ms) by feed, one figure per round
# measured_round NAME FEED KEY: txrelay_round NAME N FEED into RES[KEY], and the workers' CPU per
# withdrawal into WORKER_CPU[KEY] (unless a worker restarted meanwhile).
measured_round() {
  local workers cpu_before cpu_after
  workers="$(worker_pid 'txrelay broadcaster') $(worker_pid 'txrelay tracker')"
  cpu_before=$(cpu_ms $workers)
  RES[$3]+="$(txrelay_round "$1" "$N" "$2")"$'\n'
  cpu_after=$(cpu_ms $workers)
  [ "$cpu_before" != - ] && [ "$cpu_after" != - ] &&
    WORKER_CPU[$3]+=" $(awk -v a="$cpu_after" -v b="$cpu_before" -v n="$N" 'BEGIN {printf "%.3f", (a - b) / n}')"
  return 0
}
for r in $(seq 1 "$REPS"); do
  log "pipeline round $r of $REPS: node limit (one request at a time)"
  RES[seq]+="$(node bench/pipeline/chain_clients.js limit seq "$N" 10 4)"$'\n'
  log "pipeline round $r of $REPS: node limit (batches of 100)"
  RES[batch]+="$(node bench/pipeline/chain_clients.js limit batch "$N" 10 4)"$'\n'
  log "pipeline round $r of $REPS: txrelay, single calls"
  # The first round's txrelay run is profiled (PROFILE=0 to skip): every process on the machine.
  [ "$r" = 1 ] && [ "${PROFILE:-1}" = 1 ] && { perf record -q -e cpu-clock -F 499 -a -g -o "$WORK/perf.data" >/dev/null 2>&1 & PERF_PID=$!; }
  measured_round "burst$r" single txrelay
  [ -n "$PERF_PID" ] && { kill -INT "$PERF_PID"; wait "$PERF_PID" || true; PERF_PID=""; }
  log "pipeline round $r of $REPS: txrelay, batches of 100"
  measured_round "batched$r" batch txbatch
  log "pipeline round $r of $REPS: ethers.js NonceManager"
  RES[ethers]+="$(node bench/pipeline/chain_clients.js ethers "$N" 14 4 16)"$'\n'
done
log "pipeline: $PACED withdrawals paced one every 20 ms"
txrelay_round paced "$PACED" 0.02 >/dev/null
for r in $(seq 1 "$REPS"); do latencies "burst$r"; done >"$WORK/burst.lat"
latencies paced >"$WORK/paced.lat"
log "pipeline: checking the result against the node"
sql "SELECT 'a|0x' || encode(tx_hash, 'hex') || '|' || block_number || '|' || from_address || '|' || nonce FROM txrelay.attempts WHERE status = 'included'
     UNION ALL SELECT 's|' || address || '|' || next_nonce FROM txrelay.senders" |
  python3 bench/pipeline/check_sent.py "$ANVIL_URL" >&2 || die "the database and the node disagree"
kill -TERM "$OBSERVER_PID" 2>/dev/null || true
OBSERVER_PID=""

for k in seq batch txrelay txbatch ethers; do printf '%s' "${RES[$k]}" >"$WORK/$k.json"; done
log "pipeline: report"
python3 bench/pipeline/report.py "$WORK" "$N"
echo
echo "The workers' CPU per withdrawal in txrelay's rounds (user + system time of the broadcaster and"
echo "the tracker from the round's first request to its last finalized event, divided by N; goal ≤ 1.5 ms):"
echo
echo "| what | rounds | min | median | max |"
echo "|---|---|---|---|---|"
feed_label() { if [ "$1" = txbatch ]; then echo "batches of 100"; else echo "single calls"; fi; }
for k in txrelay txbatch; do
  echo "| broadcaster + tracker CPU per withdrawal (ms), $(feed_label $k) | $(echo ${WORKER_CPU[$k]:-} | wc -w) | $(STATS_DIGITS=2 stats ${WORKER_CPU[$k]:-}) |"
done
echo
for k in txrelay txbatch; do
  python3 -c 'import statistics, sys; v = [float(x) for x in sys.argv[2:]]
m = statistics.median(v) if v else float("nan")
print(f"Goal, at most 1.5 ms, {sys.argv[1]}: " + (f"**met** ({m:.2f} ms)." if m <= 1.5 else f"**missed** ({m:.2f} ms, {m / 1.5:.1f} × the goal; the profile below says where it goes)."))' \
    "$(feed_label $k)" ${WORKER_CPU[$k]:-}
done
if [ -s "$WORK/perf.data" ]; then
  echo
  echo "Where the CPU went during the first round's txrelay run (perf, cpu-clock at 499 Hz on every CPU, share of all samples):"
  echo
  bench/pipeline/cpu_by_process.sh "$WORK/perf.data" "$(worker_pid 'txrelay broadcaster')" "$(worker_pid 'txrelay tracker')" "$ANVIL_PID"
fi
