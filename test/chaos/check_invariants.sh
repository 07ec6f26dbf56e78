# The invariant checker of issue 7, for the chaos soak and the failover runs (source it; needs
# lib.sh's sql, E2E_DIR, ANVIL_URL, check, and ACKED, a file of the idempotency keys whose
# request_withdrawal() was acknowledged). After quiescence:
#   database: one nonce per withdrawal, one withdrawal per nonce, at most one included transaction
#     per withdrawal, verify_ledger(true) (sums, pairs, hash chains, checkpoints), no RESERVE open,
#     everything final, domain counts agree, outbox drained (test/chaos/invariants.sql);
#   nothing acknowledged is lost: every acknowledged key has its withdrawal;
#   chain: every reserved nonce holds exactly the transaction of its withdrawal, paying the right
#     recipient the right amount, and nothing else was sent from the senders (check_chain.py);
#     each COMMIT is the amount plus the receipt's fee, and each recipient's balance change on
#     chain since the start equals what its completed withdrawals paid (check_settlement.py), and,
#     from the blocks alone, no amount was paid twice to a recipient (paid_once.py).
CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# check_invariants START_BLOCK (the block before the first withdrawal)
check_invariants() {
  local violations lost
  violations=$(sql "$(cat "$CHAOS_DIR/invariants.sql")")
  check "database invariants hold (one nonce per withdrawal and back, one inclusion, ledger, nothing open)${violations:+: $(head -3 <<<"$violations")}" \
    test -z "$violations"
  lost=$(sql "SELECT string_agg(k, ' ') FROM unnest(string_to_array('$(sort -u "$ACKED" | paste -sd' ')', ' ')) k
              WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = k)")
  check "nothing acknowledged is lost ($(sort -u "$ACKED" | wc -l) acknowledged keys)${lost:+: missing $lost}" test -z "$lost"
  check "on chain: each reserved nonce holds its withdrawal's transaction, to the right recipient for the right amount; nothing else sent" \
    check_chain --require-all-sent
  check "each COMMIT = amount + the receipt's fee; each recipient's balance change on chain = what it was paid" \
    check_settlement "$1"
  check "the chain alone: no withdrawal paid twice (no two payments of the same amount to the same recipient)" paid_once "$1"
}

# paid_once START_BLOCK: test/chaos/paid_once.py over every sender of the database.
paid_once() {
  /usr/bin/python3 "$CHAOS_DIR/paid_once.py" "$ANVIL_URL" "$1" $(sql "SELECT string_agg(address, ' ') FROM txrelay.senders")
}
