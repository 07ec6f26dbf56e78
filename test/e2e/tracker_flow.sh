#!/usr/bin/env bash
# The tracker's normal flow on anvil with --slots-in-an-epoch 2 (safe = latest - 2, finalized =
# latest - 4): withdrawals of three risk tiers (included:1, safe, finalized) are mined in one
# block, then the
# chain grows one block at a time; after each block, every withdrawal's status is the level its
# block has reached by the node's own tags, and it is completed exactly when its tier's level is
# reached - never before, and at the round that sees it. At the end: every COMMIT carries the
# amount and the fee of the receipt on the node, the recipients' balances grew by exactly the
# completed amounts, verify_ledger() is empty, and the application heard each completion once
# on NOTIFY txrelay_events with the identifiers.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2
listen_start

sql "SELECT txrelay.set_risk_tier('fast', 0, 'included:1')" >/dev/null
sql "SELECT txrelay.set_risk_tier('safe', 0, 'safe')" >/dev/null
for i in 0 1; do sql "SELECT txrelay.add_sender(31337, '${DEV[$i]}', 'anvil')" >/dev/null; done
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'flow-funding')" >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"
start=$(block_number)

# All nine go into one block, so that the three tiers complete at three different heights.
rpc evm_setAutomine '[false]' >/dev/null
k=0
for tier in fast safe standard; do
  for _ in 1 2 3; do
    k=$((k + 1))
    sql "SELECT txrelay.approve((txrelay.request_withdrawal('flow-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k % 6))]}', $((1000000000000000 * k)), '$tier')).withdrawal_id, gen_random_uuid(), 'flow-pd-$k', 'e2e')" >/dev/null
  done
done
wait_for "SELECT count(*) = 9 FROM txrelay.withdrawals WHERE status = 'broadcasted'" 60 "all 9 sent"
check "sent but not mined: the tracker leaves them broadcasted (the node has them pending)" \
  test "$(sleep 1.5; sql "SELECT count(*) FROM txrelay.withdrawals WHERE status = 'broadcasted' AND completed_at IS NULL")" = 9
mine 1

# What the node says the heads are, and whether the tracker has seen exactly that.
node_heads() {
  for tag in latest safe finalized; do
    rpc eth_getBlockByNumber "[\"$tag\", false]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"], 16))'
  done | paste -sd/
}
# Withdrawals whose status or completion is not what their block and tier say at these heads.
LEVEL_SQL="SELECT count(*) FROM txrelay.withdrawals w JOIN txrelay.risk_tiers t ON t.tier = w.risk_tier
  JOIN txrelay.attempts a ON a.withdrawal_id = w.withdrawal_id AND a.status = 'included'
  JOIN txrelay.chain_heads h ON h.chain_id = w.chain_id
 WHERE w.status <> CASE WHEN a.block_number <= h.finalized_number THEN 'finalized'
                        WHEN a.block_number <= h.safe_number THEN 'safe' ELSE 'included' END
    OR (w.completed_at IS NOT NULL) <> CASE
         WHEN t.completion LIKE 'included:%' THEN h.latest_number - a.block_number >= split_part(t.completion, ':', 2)::int
         WHEN t.completion = 'safe' THEN a.block_number <= h.safe_number
         ELSE a.block_number <= h.finalized_number END"
steps=0
bad=0
completions=()
while [ "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status <> 'finalized'")" != 0 ] && [ $steps -lt 20 ]; do
  want=$(node_heads)
  wait_for "SELECT latest_number || '/' || safe_number || '/' || finalized_number = '$want' FROM txrelay.chain_heads" 20 "the tracker at $want" || bad=$((bad + 1))
  n=$(sql "$LEVEL_SQL")
  [ "$n" = 0 ] || { bad=$((bad + 1)); echo "# at heads $want: $n withdrawal(s) at the wrong level"; }
  completions+=("$want:$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NOT NULL")")
  mine 1
  steps=$((steps + 1))
done
# The loop stops as soon as everything is finalized, which can happen between its last record and
# its next look: record the final state too (uniq below folds a repeat).
completions+=("end:$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE completed_at IS NOT NULL")")
echo "# heads (latest/safe/finalized) : completed withdrawals, block by block: ${completions[*]}"
check "after each of $steps blocks the tracker saw the node's heads and every status and completion matched its block and tier" \
  test "$bad/$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE status = 'finalized' AND completed_at IS NOT NULL")" = "0/9"
steps_seen=$(printf '%s\n' "${completions[@]}" | cut -d: -f2 | uniq | paste -sd,)
check "completion grew in three steps: 3 (included:1), 6 (safe), 9 (finalized) - seen $steps_seen" \
  test "$steps_seen" = "0,3,6,9"
check "each withdrawal went included -> safe -> finalized (events in order, once each)" \
  test "$(sql "SELECT count(*) FROM (SELECT withdrawal_id, string_agg(to_status, ',' ORDER BY event_id) s FROM txrelay.withdrawal_events WHERE event = 'status' GROUP BY 1) x WHERE s = 'requested,approved,signed,broadcasted,included,safe,finalized'")" = 9
check "ledger COMMIT = amount + the receipt's fee, recipients' balances = completed amounts (against the node)" check_settlement "$start"
check "every transaction on chain once, at its nonce, paying its recipient" check_chain --require-all-sent
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0
check "the accounts: nothing reserved, spent = the amounts" \
  test "$(sql "SELECT reserved || '/' || spent FROM txrelay.balance('alice', 31337, 'ETH')")" = "0/45000000000000000"
sleep 0.5
check "one NOTIFY per completion, with withdrawal_id, idempotency_key, nonce_key, attempt_id and tx_hash" \
  test "$(notifications completed | python3 -c 'import json,sys; ps=[json.loads(l) for l in sys.stdin]; print(len(ps), len({p["withdrawal_id"] for p in ps}), all(p["idempotency_key"].startswith("flow-") and p["nonce_key"].startswith("31337:") and p["attempt_id"] and p["tx_hash"].startswith("0x") for p in ps))')" = "9 9 True"
check "the tracker's RPC calls carry the chain and are audited" \
  test "$(sql "SELECT count(*) > 0 AND bool_and(chain_id = 31337) FROM txrelay.rpc_calls WHERE method = 'eth_getBlockReceipts'")" = t
check "after a clean run, txrelay.alerts is empty (workers seen running, no errors, nothing open)" \
  test "$(sql "SELECT count(*) FROM txrelay.alerts")" = 0
# The workers' writes reach the cumulative statistics while they run, so autovacuum and
# autoanalyze see them (issue 20): before, only a worker's exit reported them.
stats="SELECT (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'txrelay.attempts'::regclass) >= 9
          AND (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'txrelay.outbox'::regclass) >= 9
          AND (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'txrelay.signature_requests'::regclass) >= 9"
wait_for "$stats" 5 "the workers' statistics" || true
check "pg_stat_user_tables counts the workers' writes while they run (attempts inserted, outbox and signature requests updated)" \
  test "$(sql "$stats")" = t
finish
