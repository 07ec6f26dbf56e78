# The client side of the chaos and failover runs (test code; source it after test/e2e/lib.sh):
# calls retried until PostgreSQL answers, as a real client does after a lost connection (the
# outcome is unknown, and the same call again is safe: that is what the keys are for).

# sql_retry SQL: its output once answered; gives up after 120 s.
sql_retry() {
  local out deadline=$((SECONDS + 120))
  until out=$(psql -X -q -At -v ON_ERROR_STOP=1 -c "$1" 2>/dev/null); do
    [ $SECONDS -lt $deadline ] || { echo "gave up: $1" >&2; return 1; }
    sleep 0.3
  done
  printf '%s\n' "$out"
}

# withdraw N ACKED: requests withdrawal N (a distinct amount, one of seven fresh recipients),
# records its key in ACKED once acknowledged, and approves it (the same approval id each try).
recipient() { printf '0x5a%038x' "$1"; }
withdraw() {
  local i=$1 acked=$2 id
  id=$(sql_retry "SELECT (txrelay.request_withdrawal('w-$i', 'alice', 31337, 'ETH', '$(recipient $((i % 7 + 1)))', $((1000000000000000 + i)))).withdrawal_id") || return 1
  echo "w-$i" >>"$acked"
  sql_retry "SELECT txrelay.approve('$id', '$(printf '00000000-0000-4000-8000-%012d' "$i")', 'pd-$i', 'workload') IS NOT NULL" >/dev/null
}

# withdraw_batch FIRST COUNT ACKED: withdrawals FIRST..FIRST+COUNT-1, the same ones withdraw would
# make, requested in one request_withdrawals call and approved in one approve_withdrawals call
# (each batch retried whole, as a client does: the keys and approval ids make it safe).
withdraw_batch() {
  local first=$1 count=$2 acked=$3 i requests="" approvals="" ids
  for i in $(seq "$first" $((first + count - 1))); do
    requests+="${requests:+,}{\"idempotency_key\": \"w-$i\", \"account\": \"alice\", \"chain_id\": 31337, \"asset\": \"ETH\","
    requests+=" \"to_address\": \"$(recipient $((i % 7 + 1)))\", \"amount\": \"$((1000000000000000 + i))\"}"
  done
  ids=$(sql_retry "SELECT string_agg(w.withdrawal_id::text, ' ' ORDER BY w.ordinality) FROM txrelay.request_withdrawals('[$requests]') WITH ORDINALITY w") || return 1
  for i in $(seq "$first" $((first + count - 1))); do echo "w-$i" >>"$acked"; done
  i=$first
  for id in $ids; do
    approvals+="${approvals:+,}{\"withdrawal_id\": \"$id\", \"approval_id\": \"$(printf '00000000-0000-4000-8000-%012d' "$i")\","
    approvals+=" \"policy_decision_id\": \"pd-$i\", \"decided_by\": \"workload\"}"
    i=$((i + 1))
  done
  sql_retry "SELECT count(*) FROM txrelay.approve_withdrawals('[$approvals]')" >/dev/null
}
