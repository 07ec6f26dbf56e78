#!/usr/bin/env bash
# A cancel after signing is a race on chain (decision 66), on anvil with a client-signed sender
# (dev account 1, signed here with cast). The attack of issue 17: the client holds the signed
# payment, the withdrawal is cancelled, and the bytes are broadcast anyway.
#   A. The replacement wins: the payment is never sent; our gap filler (priced to replace it) is
#      mined and final -> cancelled, RELEASE with the gap filler's gas as the fee; the payment
#      published afterwards is refused by the node. Nothing paid.
#   B. The original wins: a third party publishes the payment (cast publish) before the gap
#      filler is signed -> the cancel is lost: included -> finalized, COMMIT, cancel_lost told;
#      the gap filler's request is withdrawn. Paid once.
#   C. The second line: a withdrawal released the 0.1.0 way (cancelled at once, by a hand edit
#      here) whose signed payment is then published: the sender is quarantined, the alert
#      paid_after_release fires, verify_ledger() and the reconciliation report it.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 1
listen_start
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', NULL, 0)" >/dev/null   # client-signed
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'race-funding')" >/dev/null
start=$(block_number)
balance() { rpc eth_getBalance "[\"$1\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }
broadcaster() {  # broadcaster on|off
  sql "ALTER SYSTEM SET txrelay.broadcaster_enabled = $1" >/dev/null
  sql "SELECT pg_reload_conf()" >/dev/null
  if [ "$1" = off ]; then
    wait_for "SELECT query LIKE '%disabled%' FROM pg_stat_activity WHERE backend_type = 'txrelay broadcaster'" 10 "broadcaster disabled"
  fi
}
# signed_payment KEY AMOUNT RECIPIENT: request, approve, sign with cast (3 gwei / 1 gwei) and
# submit; prints "withdrawal_id raw_tx".
signed_payment() {
  local id request nonce raw
  id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '$3', $2)).withdrawal_id, gen_random_uuid(), '$1-pd', 'e2e')).withdrawal_id")
  read -r request nonce < <(sql "SELECT signature_request_id || ' ' || nonce FROM txrelay.signature_requests WHERE withdrawal_id = '$id'" | tr '|' ' ')
  raw=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce "$nonce" --gas-limit 21000 --gas-price 3gwei \
          --priority-gas-price 1gwei "$3" --value "$2")
  sql "SELECT attempt_id FROM txrelay.submit_signed('$request', decode('${raw#0x}', 'hex'))" >/dev/null
  echo "$id $raw"
}
path() { sql "SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$1' AND event = 'status'"; }
entries() { sql "SELECT string_agg(kind || CASE WHEN fee > 0 THEN '+fee' ELSE '' END, ',' ORDER BY entry_id) FROM txrelay.ledger_entries WHERE withdrawal_id = '$1'"; }

# --- A. the replacement wins -------------------------------------------------------------------
broadcaster off
read -r wa raw_a < <(signed_payment race-a 1000000000000001 "${DEV[6]}")
check "A: cancel of a signed withdrawal answers cancelling" \
  test "$(sql "SELECT status FROM txrelay.cancel('$wa', 'customer changed their mind')")" = cancelling
read -r gap_a min_fee min_tip < <(sql "SELECT signature_request_id || ' ' || min_max_fee_per_gas || ' ' || min_max_priority_fee_per_gas FROM txrelay.signature_requests WHERE withdrawal_id = '$wa' AND kind = 'gap_filler'" | tr '|' ' ')
check "A: the gap filler must outbid the signed payment (3 gwei / 1 gwei) by 10 % + 1 wei" test "$min_fee/$min_tip" = "3300000001/1100000001"
gap_raw=$("$CAST" mktx --private-key "$KEY1" --chain 31337 --nonce 0 --gas-limit 21000 --gas-price "$min_fee" \
            --priority-gas-price "$min_tip" "${DEV[1]}" --value 0)
sql "SELECT attempt_id FROM txrelay.submit_signed('$gap_a', decode('${gap_raw#0x}', 'hex'))" >/dev/null
broadcaster on
wait_for "SELECT count(*) = 1 FROM txrelay.attempts a JOIN txrelay.signature_requests s USING (signature_request_id) WHERE a.withdrawal_id = '$wa' AND s.kind = 'gap_filler' AND a.status = 'included'" 30 "the gap filler in a block"
check "A: in a block but not final, the money stays reserved" test "$(entries "$wa")" = RESERVE
mine 3
wait_for "SELECT status = 'cancelled' FROM txrelay.withdrawals WHERE withdrawal_id = '$wa'" 30 "A cancelled"
check "A: path requested -> approved -> signed -> cancelling -> cancelled" test "$(path "$wa")" = "requested,approved,signed,cancelling,cancelled"
check "A: RELEASE once, with the gap filler's gas as the hot wallet's fee" test "$(entries "$wa")" = "RESERVE,RELEASE+fee"
check "A: NOTIFY 'cancelled' once" test "$(notifications cancelled | grep -c "$wa")" = 1
publish_a=$("$CAST" publish --rpc-url "$ANVIL_URL" "$raw_a" 2>&1 || true)
check "A: the signed payment published afterwards is refused by the node (its nonce is used)" \
  sh -c "echo '$publish_a' | grep -qi 'nonce'"
check "A: the recipient got nothing" test "$(balance "${DEV[6]}")" = 10000000000000000000000

# --- B. the original wins ---------------------------------------------------------------------
broadcaster off
read -r wb raw_b < <(signed_payment race-b 1000000000000002 "${DEV[7]}")
before_b=$(balance "${DEV[7]}")
sql "SELECT status FROM txrelay.cancel('$wb', 'duplicate payout')" >/dev/null
"$CAST" publish --rpc-url "$ANVIL_URL" "$raw_b" >/dev/null   # a third party holds the bytes
wait_for "SELECT status IN ('included', 'safe', 'finalized') FROM txrelay.withdrawals WHERE withdrawal_id = '$wb'" 30 "B included"
mine 3
wait_for "SELECT status = 'finalized' AND completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$wb'" 30 "B finalized"
check "B: path ... -> cancelling -> included -> finalized: the payment won" \
  sh -c "test \"\$0\" = requested,approved,signed,cancelling,included,finalized || test \"\$0\" = requested,approved,signed,cancelling,included,safe,finalized" "$(path "$wb")"
check "B: COMMIT once with the fee, no RELEASE" test "$(entries "$wb")" = "RESERVE,COMMIT+fee"
check "B: the cancel is recorded as lost and the application told (cancel_lost, then completed)" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$wb' AND event = 'cancel_lost'")/$(notifications cancel_lost | grep -c "$wb")/$(notifications completed | grep -c "$wb")" = "1/1/1"
check "B: the gap filler's request is withdrawn, nothing left to sign" \
  test "$(sql "SELECT status FROM txrelay.signature_requests WHERE withdrawal_id = '$wb' AND kind = 'gap_filler'")/$(sql "SELECT count(*) FROM txrelay.pending_signature_requests()")" = "cancelled/0"
check "B: the recipient was paid exactly once" test "$(( $(balance "${DEV[7]}") - before_b ))" = 1000000000000002
broadcaster on

check "A and B: each nonce holds one transaction of ours, as the statuses say" check_chain
check "A and B: the ledger against the receipts and balances" check_settlement "$start"
check "A and B: verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0

# --- C. the second line: paid after release ----------------------------------------------------
broadcaster off
read -r wc raw_c < <(signed_payment race-c 1000000000000003 "${DEV[8]}")
{  # what a 0.1.0 cancel did: cancelled and released at once, the signed bytes still in the world
  sql "ALTER TABLE txrelay.withdrawals DISABLE TRIGGER withdrawals_state_machine"
  sql "UPDATE txrelay.withdrawals SET status = 'cancelled', status_reason = 'a 0.1.0 cancel' WHERE withdrawal_id = '$wc'"
  sql "ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_state_machine"
  sql "UPDATE txrelay.outbox SET status = 'cancelled' WHERE withdrawal_id = '$wc' AND status = 'pending'"
  sql "INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, withdrawal_id) SELECT 'RELEASE', account, chain_id, asset, amount, withdrawal_id FROM txrelay.withdrawals WHERE withdrawal_id = '$wc'"
} >/dev/null
check "C: before the bytes are published, the ledger is consistent" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
"$CAST" publish --rpc-url "$ANVIL_URL" "$raw_c" >/dev/null
wait_for "SELECT status = 'quarantined' FROM txrelay.senders WHERE address = '${DEV[1]}'" 30 "the sender quarantined"
check "C: a critical alert paid_after_release names the withdrawal and its transaction" \
  test "$(sql "SELECT severity || ':' || withdrawal_id || ':' || tx_hash FROM txrelay.alerts WHERE alert = 'paid_after_release'")" = \
       "critical:$wc:$(sql "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE withdrawal_id = '$wc'")"
check "C: verify_ledger() reports the payment mined after its RELEASE" \
  test "$(sql "SELECT details ->> 'withdrawal_id' FROM txrelay.verify_ledger() WHERE problem = 'payment mined after its RELEASE'")" = "$wc"
run=$(sql "SELECT txrelay.reconcile(31337)")
wait_for "SELECT finished_at IS NOT NULL FROM txrelay.reconciliation_runs WHERE run_id = $run" 30 "the reconciliation run"
check "C: the reconciliation run reports it" \
  test "$(sql "SELECT domain_counts -> 'disagreements' ? 'withdrawals released and yet paid on chain (1)' FROM txrelay.reconciliation_runs WHERE run_id = $run")" = t
check "C: the tracker said CRITICAL in the server log, with the ids" \
  grep -q "CRITICAL: a payment of withdrawal $wc" "$TXR_CLUSTER_DIR/server.log"
broadcaster on
finish
