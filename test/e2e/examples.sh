#!/usr/bin/env bash
# The user guide's examples work as printed: docs/examples/withdraw.py (psycopg2) and
# docs/examples/withdraw.cjs (node-postgres) each request a withdrawal, approve it and follow it
# to completion on anvil (the workers running, blocks mined meanwhile); run twice with the same
# idempotency key they get the same withdrawal back; too large an amount is refused with TR002.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 1
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('carol', 31337, 'ETH', 1000000000000000000, 'examples-funding')" >/dev/null
EX="$TXR_ROOT/docs/examples"
start=$(block_number)
export NODE_PATH="$TXR_ROOT/.tools/node_modules"

run_example() {  # run_example LABEL COMMAND...: runs it while mining a block every 0.3 s; prints its output
  local out pid code
  shift
  out=$(mktemp)
  "$@" >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; mine 1; sleep 0.3; done
  code=0
  wait "$pid" || code=$?
  sed "s/^/#   /" "$out" >&2
  tail -1 "$out"
  rm -f "$out"
  return "$code"
}
check "Python: requested, approved, followed to completion (finalized)" \
  test "$(run_example py /usr/bin/python3 "$EX/withdraw.py" carol 31337 ETH "${DEV[7]}" 1000000000000000 example-py-1)" = "completed: finalized"
check "Node.js: requested, approved, followed to completion (finalized)" \
  test "$(run_example node node "$EX/withdraw.cjs" carol 31337 ETH "${DEV[8]}" 2000000000000000 example-node-1)" = "completed: finalized"
check "the same key again: the same withdrawal, already complete, nothing new" \
  test "$(/usr/bin/python3 "$EX/withdraw.py" carol 31337 ETH "${DEV[7]}" 1000000000000000 example-py-1 | sed -n 1p)/$(sql "SELECT count(*) FROM txrelay.withdrawals")" = "requested $(sql "SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = 'example-py-1'") (finalized)/2"
set +e
refused=$(node "$EX/withdraw.cjs" carol 31337 ETH "${DEV[8]}" 5000000000000000000 example-node-2); code=$?
set -e
check "too much: refused with TR002 and exit status 2 ($refused)" test "$code/${refused:0:14}" = "2/refused: TR002"
check "every transaction on chain once, at its nonce, paying its recipient" check_chain --require-all-sent
check "ledger COMMIT = amount + the receipt's fee (against the node)" check_settlement "$start"
finish
