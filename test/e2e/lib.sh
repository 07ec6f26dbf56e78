# The end-to-end tests' harness: a throwaway PostgreSQL cluster with the workers, a real anvil
# node, and the fault proxy between them, all on 127.0.0.1, all stopped by PID on exit.
# shellcheck source=scripts/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/cluster.sh"
# shellcheck source=scripts/anvil.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/anvil.sh"
# shellcheck source=scripts/nodes.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/nodes.sh"

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROXY_PID=""
CAST="$TXR_ROOT/.tools/bin/cast"

# Anvil's dev accounts (public test keys, reference/ethereum-rpc.md).
DEV=(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
     0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 0x90F79bf6EB2c4f870365E785982E1f101E93b906
     0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
     0x976EA74026E726554dB657fA54763abd0C3a0aa9 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955
     0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720)
KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

# Fast retries, so that fault tests finish in seconds; commit timestamps for latency figures.
# The broadcaster's tests run it alone (E2E_TRACKER unset: the tracker is off, so a withdrawal
# stays 'broadcasted' for them to see); the tracker's tests set E2E_TRACKER=on and look often.
E2E_CONF="txrelay.broadcaster_backoff_base_ms = 100
txrelay.broadcaster_backoff_cap_ms = 1000
txrelay.breaker_cooldown_ms = 500
txrelay.idle_wake_ms = 200
txrelay.tracker_enabled = ${E2E_TRACKER:-off}
txrelay.tracker_poll_ms = 100
txrelay.tracker_backoff_base_ms = 100
txrelay.tracker_backoff_cap_ms = 1000
txrelay.tracker_check_after_ms = 1000
track_commit_timestamp = on"

proxy_start() {
  local port control attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    control=$(free_port)
    [ "$port" != "$control" ] || continue
    python3 "$E2E_DIR/fault_proxy.py" "$port" "$control" "$ANVIL_URL" >/tmp/txrelay-proxy.$$.log 2>&1 &
    PROXY_PID=$!
    export PROXY_URL="http://127.0.0.1:$port" PROXY_CONTROL="http://127.0.0.1:$control"
    for _ in $(seq 1 100); do
      curl -s "$PROXY_CONTROL/stats" >/dev/null 2>&1 && { log "fault proxy started: pid $PROXY_PID, $PROXY_URL -> $ANVIL_URL"; return 0; }
      kill -0 "$PROXY_PID" 2>/dev/null || break   # it exited (a port taken meanwhile): new ports
      sleep 0.1
    done
    log "fault proxy attempt $attempt failed: $(tail -3 /tmp/txrelay-proxy.$$.log 2>/dev/null | tr '\n' ' ')"
    kill -TERM "$PROXY_PID" 2>/dev/null || true
  done
  die "fault proxy did not start"
}

proxy_stop() {
  if [ -n "$PROXY_PID" ] && kill -0 "$PROXY_PID" 2>/dev/null; then kill -TERM "$PROXY_PID" 2>/dev/null || true; fi
  PROXY_PID=""
  rm -f /tmp/txrelay-proxy.$$.log
}

# proxy_mode '{"mode": "http_429", "method": "eth_sendRawTransaction", "count": 1}'
proxy_mode() { curl -s -X POST -d "$1" "$PROXY_CONTROL/mode" >/dev/null; }

# listen_start: a session LISTENing on txrelay_events; the notifications land in $LISTEN_LOG as
# psql prints them ('Asynchronous notification "txrelay_events" with payload "..." received').
LISTEN_PID=""
LISTEN_LOG=""
listen_start() {
  LISTEN_LOG=$(mktemp /tmp/txrelay-listen.XXXXXX)
  (echo "LISTEN txrelay_events;"; while echo "SELECT 1;"; do sleep 0.2; done) | psql -X -q -At >"$LISTEN_LOG" 2>&1 &
  LISTEN_PID=$!
}
listen_stop() {
  if [ -n "$LISTEN_PID" ] && kill -0 "$LISTEN_PID" 2>/dev/null; then kill -TERM "$LISTEN_PID" 2>/dev/null || true; fi
  LISTEN_PID=""
  [ -n "$LISTEN_LOG" ] && rm -f "$LISTEN_LOG"
  LISTEN_LOG=""
}
# notifications EVENT: the payloads (JSON, one per line) received so far for that event.
notifications() {
  sed -n 's/^Asynchronous notification "txrelay_events" with payload "\(.*\)" received.*/\1/p' "$LISTEN_LOG" |
    python3 -c 'import json,sys; [print(json.dumps(p)) for p in map(json.loads, sys.stdin) if p["event"] == sys.argv[1]]' "$1"
}

e2e_teardown() {
  if [ "${TESTS_FAILED:-0}" -gt 0 ] && [ -n "${TXR_CLUSTER_DIR:-}" ]; then
    echo "# server log, errors and warnings (last 40):" >&2
    grep -E "ERROR|WARNING|FATAL|PANIC" "$TXR_CLUSTER_DIR/server.log" | tail -40 >&2 || true
  fi
  listen_stop
  unstick_stop
  proxy_stop
  node_stop
  anvil_stop
  cluster_stop
}

# The cluster's default is synchronous_commit = off (fast tests); the test's own sessions commit
# synchronously like an application, so that a crash in a test loses none of the test's writes.
export PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=on"

# e2e_setup [node options...]: cluster (database txrelay_e2e, workers on), the node (E2E_NODE:
# anvil, the default, ganache or hardhat; ANVIL_URL is its URL whichever it is), proxy, the
# extension (E2E_EXTENSION_VERSION, if set: that version, else the default), chain 31337 with the
# proxy as its endpoint and the node as the signer - Hardhat has no eth_signTransaction, so an
# anvil of its own signs for it (SIGNER_URL).
e2e_setup() {
  trap e2e_teardown EXIT
  TXR_EXTRA_CONF="$E2E_CONF" cluster_start txrelay_e2e
  case ${E2E_NODE:-anvil} in
    anvil) anvil_start "$@" ;;
    ganache) node_start ganache "$@" ;;
    hardhat) anvil_start && SIGNER_URL=$ANVIL_URL && node_start hardhat "$@" ;;
    *) die "E2E_NODE: anvil, ganache or hardhat, not ${E2E_NODE}" ;;
  esac
  SIGNER_URL=${SIGNER_URL:-$ANVIL_URL}
  proxy_start
  {
    sql "CREATE EXTENSION txrelay${E2E_EXTENSION_VERSION:+ VERSION '$E2E_EXTENSION_VERSION'}"
    sql "SELECT txrelay.add_chain(31337, '${E2E_NODE:-anvil}')"
    sql "SELECT txrelay.add_rpc_endpoint(31337, '$PROXY_URL')"
    sql "SELECT txrelay.add_signer('anvil', '$SIGNER_URL')"
    sql "SELECT txrelay.set_risk_tier('standard', 0, 'finalized')"
  } >/dev/null
}

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# wait_for "SQL returning a boolean" seconds "what"
wait_for() {
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(psql -X -q -At -c "$1" 2>/dev/null)" = "t" ] && return 0
    sleep 0.1
  done
  echo "timed out after $2 s waiting for: $3" >&2
  psql -X -c "SELECT outbox_id, kind, status, tries, left(last_error, 200) FROM txrelay.outbox WHERE status <> 'done' ORDER BY 1 LIMIT 20" >&2 || true
  wait_for_diagnostics >&2
  return 1
}

# What a timed-out wait leaves for the reader: each sender's nonces as txrelay and the node see
# them, the node's pool, the last failed RPC calls and the server log's errors.
wait_for_diagnostics() {
  local a
  psql -X -c "SELECT chain_id, from_address, status, next_nonce FROM txrelay.senders ORDER BY 1, 2" || true
  for a in $(psql -X -q -At -c "SELECT from_address FROM txrelay.senders" 2>/dev/null); do
    echo "# node: $a latest $(rpc eth_getTransactionCount "[\"$a\", \"latest\"]") pending $(rpc eth_getTransactionCount "[\"$a\", \"pending\"]")"
  done
  echo "# node pool: $(rpc txpool_status)"
  psql -X -c "SELECT call_id, method, outcome, error_class, left(response, 120) FROM txrelay.rpc_calls WHERE outcome <> 'ok' ORDER BY call_id DESC LIMIT 10" || true
  [ -n "${TXR_CLUSTER_DIR:-}" ] && grep -E "ERROR|WARNING|FATAL|PANIC" "$TXR_CLUSTER_DIR/server.log" | tail -20
  return 0
}

rpc() {  # rpc METHOD 'JSON params'
  curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":${2:-[]}}" "$ANVIL_URL"
}

# Compares every reserved nonce with the node (test/e2e/check_chain.py); fails on any violation.
check_chain() {
  psql -X -q -At -c "$(cat "$E2E_DIR/reservations.sql")" | python3 "$E2E_DIR/check_chain.py" "$ANVIL_URL" "$@"
}

# Compares the ledger's settlement and the recipients' balances with the node
# (test/e2e/check_settlement.py): check_settlement START_BLOCK.
check_settlement() {
  psql -X -q -At -c "$(cat "$E2E_DIR/settlement.sql")" | python3 "$E2E_DIR/check_settlement.py" "$ANVIL_URL" "$1"
}

# One hot wallet (dev account 0, signed by anvil) and 1 ETH credited to alice; waits until the
# broadcaster has read the wallet's nonce from the chain.
fund_one_sender() {
  sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')" >/dev/null
  sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'funding-$1')" >/dev/null
  wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"
}

# approve_new KEY: a new withdrawal of 0.001 ETH from alice to dev account 5, approved; its id.
approve_new() {
  sql "SELECT (txrelay.approve((txrelay.request_withdrawal('$1', 'alice', 31337, 'ETH', '${DEV[5]}', 1000000000000000)).withdrawal_id, gen_random_uuid(), 'pd-$1', 'e2e')).withdrawal_id"
}

# tx_count ADDRESS: the node's count of the address's transactions, pending included.
tx_count() { rpc eth_getTransactionCount "[\"$1\", \"pending\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }

# The node's latest block number.
block_number() { rpc eth_blockNumber | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))'; }

# Anvil's automine can leave a ready transaction in its pool unmined when sends arrive together
# (foundry-rs/foundry#10122); that sender's chain then stops, which a live network never does (the
# next block comes anyway). A test that pushes many sends starts this watcher: when the pool holds
# pending transactions and no block has come for 3 s, it mines one and says so in $UNSTICK_LOG.
UNSTICK_PID=""
UNSTICK_LOG=""
unstick_start() {
  UNSTICK_LOG=$(mktemp /tmp/txrelay-unstick.XXXXXX)
  python3 - "$ANVIL_URL" >"$UNSTICK_LOG" 2>&1 <<'PY' &
import json, sys, time, urllib.request
def rpc(method):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    req = urllib.request.Request(sys.argv[1], body, {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=5).read())["result"]
last, still = None, 0
while True:
    time.sleep(1)
    try:
        head, pending = int(rpc("eth_blockNumber"), 16), int(rpc("txpool_status")["pending"], 16)
    except Exception:
        continue
    still = still + 1 if pending > 0 and head == last else 0
    last = head
    if still >= 3:
        rpc("evm_mine")
        print(f"block {head}: {pending} ready transaction(s) left unmined for 3 s; mined a block", flush=True)
        still = 0
PY
  UNSTICK_PID=$!
}
unstick_stop() {
  if [ -n "$UNSTICK_PID" ] && kill -0 "$UNSTICK_PID" 2>/dev/null; then kill -TERM "$UNSTICK_PID" 2>/dev/null || true; fi
  UNSTICK_PID=""
  if [ -n "$UNSTICK_LOG" ] && [ -s "$UNSTICK_LOG" ]; then
    echo "# anvil left ready transactions unmined (foundry-rs/foundry#10122); the watcher mined:"
    sed 's/^/#   /' "$UNSTICK_LOG"
  fi
  [ -n "$UNSTICK_LOG" ] && rm -f "$UNSTICK_LOG"
  UNSTICK_LOG=""
}

# wait_mined SECONDS: until the node has mined every nonce txrelay reserved, sender by sender.
wait_mined() {
  local deadline=$((SECONDS + $1)) want a n behind
  want=$(psql -X -q -At -F ' ' -c "SELECT from_address, max(nonce) + 1 FROM txrelay.nonce_reservations GROUP BY 1")
  while [ "$SECONDS" -lt "$deadline" ]; do
    behind=0
    while read -r a n; do
      [ -z "$a" ] && continue
      [ "$(rpc eth_getTransactionCount "[\"$a\", \"latest\"]" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')" -ge "$n" ] || behind=1
    done <<<"$want"
    [ "$behind" = 0 ] && return 0
    sleep 0.2
  done
  echo "timed out after $1 s waiting for the node to mine every reserved nonce" >&2
  wait_for_diagnostics >&2
  return 1
}

# backrest_archiving: a pgBackRest repository directory for the test (REPO, its configuration
# CONF) and the cluster's WAL archived to it; before e2e_setup, then backrest_conf "$CONF" "$REPO"
# (scripts/cluster.sh) and `backrest stanza-create` once the cluster runs.
backrest_archiving() {
  REPO=$(mktemp -d /tmp/txrelay-pgbackrest.XXXXXX)
  CONF=$REPO/pgbackrest.conf
  E2E_CONF+=$'\narchive_mode = on'"
archive_command = 'pgbackrest --config=$CONF --stanza=txrelay archive-push %p'"
}
backrest() { as_pg pgbackrest --config="$CONF" --stanza=txrelay "$@"; }

# mine N: N empty blocks on the node.
mine() { rpc anvil_mine "[\"$(printf '0x%x' "$1")\"]" >/dev/null; }
# mine_one: one block (anvil's method; a test on another node defines its own after this file).
mine_one() { mine 1; }
# mine_until "SQL boolean" [TRIES]: a block at a time, 0.2 s apart, until it holds (TRIES blocks,
# default 150); false, saying so, if it never does.
mine_until() {
  for _ in $(seq 1 "${2:-150}"); do
    [ "$(sql "$1")" = t ] && return 0
    mine_one
    sleep 0.2
  done
  echo "mine_until: still false after ${2:-150} blocks: $1" >&2
  return 1
}

TESTS_RUN=0
TESTS_FAILED=0
ok() { TESTS_RUN=$((TESTS_RUN + 1)); echo "ok $TESTS_RUN - $1"; }
not_ok() { TESTS_RUN=$((TESTS_RUN + 1)); TESTS_FAILED=$((TESTS_FAILED + 1)); echo "not ok $TESTS_RUN - $1"; }
check() {  # check "description" command...
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# Every worker log line that names a withdrawal carries all five identifiers (DESIGN §7), in the
# one format of src/core/log_ids.hpp: checked on the server log of every end-to-end test.
log_ids_complete() {
  local bad
  bad=$(grep -E 'txrelay.*withdrawal_id=' "$TXR_CLUSTER_DIR/server.log" |
        grep -vE '\[withdrawal_id=[^ ]+ idempotency_key=[^ ]+ nonce_key=[^ ]+ attempt_id=[^ ]+ tx_hash=[^ ]+\]' || true)
  [ -z "$bad" ] || { echo "log lines without the five identifiers:"; echo "$bad" | head -5; return 1; }
}

finish() {
  if grep -qE 'txrelay.*withdrawal_id=' "$TXR_CLUSTER_DIR/server.log" 2>/dev/null; then
    check "the workers' log lines about withdrawals ($(grep -cE 'txrelay.*withdrawal_id=' "$TXR_CLUSTER_DIR/server.log")) carry all five identifiers" log_ids_complete
  fi
  echo "# $TESTS_RUN checks, $TESTS_FAILED failed"
  [ "$TESTS_FAILED" -eq 0 ]
}
