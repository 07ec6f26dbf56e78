#!/usr/bin/env bash
# A DBA moves an included withdrawal to 'finalized' by hand (the owner may write the table and
# included -> finalized is a legal transition). The ledger must not be settled on that word: the
# tracker completes it - COMMIT with the receipt's fee, once - only when the node's finalized
# block reaches the transaction's block. Anvil with --slots-in-an-epoch 2 (finalized = latest - 4).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 2

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'manual-funding')" >/dev/null
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"   # read from the chain first
start=$(block_number)
id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('manual-1', 'alice', 31337, 'ETH', '${DEV[5]}', 7000000000000000)).withdrawal_id, gen_random_uuid(), 'manual-pd', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 30 "included"
block=$(sql "SELECT block_number FROM txrelay.attempts WHERE withdrawal_id = '$id' AND status = 'included'")

sql "UPDATE txrelay.withdrawals SET status = 'finalized' WHERE withdrawal_id = '$id'" >/dev/null
mine 1
want=$(block_number)
wait_for "SELECT latest_number = $want FROM txrelay.chain_heads" 20 "the tracker at block $want"
sleep 1.5   # more tracker rounds
check "moved by hand to finalized while the node's finalized block ($(sql "SELECT finalized_number FROM txrelay.chain_heads")) is below its block ($block): not completed, no COMMIT" \
  test "$(sql "SELECT (completed_at IS NULL) || '/' || (SELECT count(*) FROM txrelay.ledger_entries l WHERE l.withdrawal_id = w.withdrawal_id AND kind = 'COMMIT') FROM txrelay.withdrawals w WHERE withdrawal_id = '$id'")" = "true/0"
mine 4
wait_for "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 20 "completed"
check "completed once the node finalized block $block (finalized head $(sql "SELECT finalized_number FROM txrelay.chain_heads"))" \
  test "$(sql "SELECT finalized_number >= $block FROM txrelay.chain_heads")" = t
check "one COMMIT and one completed event" \
  test "$(sql "SELECT (SELECT count(*) FROM txrelay.ledger_entries WHERE withdrawal_id = '$id' AND kind = 'COMMIT') || '/' || (SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$id' AND event = 'completed')")" = "1/1"
check "ledger COMMIT = amount + the receipt's fee (against the node)" check_settlement "$start"

# A tier's completion changed by hand while the chain stands still (automine: no transaction, no
# block): the tracker moves the included withdrawal along within about a second (decision 88),
# without waiting for a block that may not come.
id2=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('manual-2', 'alice', 31337, 'ETH', '${DEV[5]}', 7000000000000001)).withdrawal_id, gen_random_uuid(), 'manual-pd-2', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$id2'" 30 "the second withdrawal included"
head=$(block_number)
sleep 1.5   # more tracker rounds, no new block
check "tier 'finalized', no new block: the second withdrawal stays included and open" \
  test "$(sql "SELECT status || '/' || (completed_at IS NULL) FROM txrelay.withdrawals WHERE withdrawal_id = '$id2'")" = "included/true"
sql "SELECT txrelay.set_risk_tier('standard', 0, 'included:0')" >/dev/null
wait_for "SELECT completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$id2'" 5 "completed at the tier's new level"
check "completed at the tier's new level (included:0) within seconds, the chain still at block $head" \
  test "$(block_number)" = "$head"
check "verify_ledger() finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger()")" = 0
finish
