#!/usr/bin/env bash
# The upgrade from the newest release to this version, on a database in use, with the workers
# running (DESIGN §10, "Releases"). On anvil (--slots-in-an-epoch 4: safe = latest - 4, finalized
# = latest - 8; the test mines every block itself), the released version is filled through its
# SQL API until a withdrawal stands in every status:
#   requested      requested, never decided (approved after the update)
#   rejected       requested, then reject()
#   cancelled      requested, then cancel()
#   signed         a client-signed transfer whose send meets a block gas limit cut below its gas:
#                  a fatal node error, so its outbox row is dead (the dead letter of the test)
#   approved       twice: a client-signed sender that has not signed yet, and a sender whose
#                  signer (through the fault proxy) answers HTTP 500 to every eth_signTransaction
#   broadcasted    sent, no block mined since
#   included       mined, not yet safe
#   safe           mined 4 blocks deep, not yet finalized
#   reorged        mined, then its block replaced by anvil_reorg; sent again, not mined again
#   finalized      mined 9 blocks deep: completed and settled
#   failed         a client-signed ERC-20 transfer above the sender's token balance (erc20_token.py):
#                  the token reverts it on chain
#   replaced_externally  a transaction signed with the sender's key outside txrelay, at the
#                  withdrawal's nonce and with higher fees, is mined instead of ours
# plus a ledger checkpoint. Then, the workers still running: ALTER EXTENSION txrelay UPDATE, and
#   a. the schema of the updated database equals a fresh CREATE EXTENSION txrelay in a second
#      database of the cluster: pg_dump --schema-only --binary-upgrade of both (it writes each
#      member object: tables, columns, constraints, indexes, triggers, functions, views, types,
#      grants), normalised by schema_of.py and compared; also the tables registered with
#      pg_extension_config_dump and the initial privileges (pg_init_privs);
#   b. verify_ledger(true) finds nothing;
#   c. the same workers finish every withdrawal that was in flight (the signer answers again, the
#      client signs, the dead letter is requeued with the gas limit restored, the requested one
#      is approved, blocks are mined), and the ledger and the chain agree.
# UPGRADE_FROM=X.Y.Z starts from another released version (default: the newest in
# sql/released.sha256).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/../e2e/lib.sh"
UPGRADE_DIR=$(cd "$(dirname "$0")" && pwd)
FROM=${UPGRADE_FROM:-$(sed -nE 's/^[0-9a-f]{64}  sql\/txrelay--(.+)\.sql$/\1/p' "$TXR_ROOT/sql/released.sha256" | sort -V | tail -1)}
TO=$(sed -nE "s/^default_version[[:space:]]*=[[:space:]]*'([^']+)'.*/\1/p" "$TXR_ROOT/txrelay.control")
# Private keys of anvil's dev accounts 1 to 4 (public test keys): the client-signed senders and the
# sender whose key is also used outside txrelay.
KEY=([1]=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
     [2]=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
     [3]=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
     [4]=0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a)
STATUSES="requested approved signed broadcasted included safe finalized reorged failed rejected cancelled replaced_externally"

E2E_EXTENSION_VERSION=$FROM e2e_setup --slots-in-an-epoch 4
rpc evm_setAutomine '[false]' >/dev/null
log "txrelay $FROM installed; filling it (withdrawals in every status) before the update to $TO"
check "CREATE EXTENSION txrelay VERSION '$FROM' (the released script)" \
  test "$(sql "SELECT extversion FROM pg_extension WHERE extname = 'txrelay'")" = "$FROM"

result() { python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]'"$1"')'; }
status_of() { sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$1'"; }
# The test token, from dev account 8 (not a sender): account 3 gets 1000 of it.
deploy=$(rpc eth_sendTransaction "[{\"from\": \"${DEV[8]}\", \"data\": \"$(python3 "$E2E_DIR/erc20_token.py")\"}]" | result '')
mine 1
token=$(rpc eth_getTransactionReceipt "[\"$deploy\"]" | result '["contractAddress"]')
rpc eth_sendTransaction "[{\"from\": \"${DEV[8]}\", \"to\": \"$token\", \"data\": \"$("$CAST" calldata 'transfer(address,uint256)' "${DEV[3]}" 1000)\"}]" >/dev/null
mine 1

{
  sql "SELECT txrelay.add_asset(31337, 'TKN', '$token', 18)"
  sql "SELECT txrelay.add_signer('held', '$PROXY_URL/signer')"   # its own URL: its own circuit breaker
  sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')"   # the hot wallet
  sql "SELECT txrelay.add_sender(31337, '${DEV[1]}', NULL, 0)"   # client-signed: the dead letter
  sql "SELECT txrelay.add_sender(31337, '${DEV[2]}', 'anvil')"   # its key is used outside txrelay
  sql "SELECT txrelay.add_sender(31337, '${DEV[3]}', NULL, 0)"   # client-signed: the reverted token transfer
  sql "SELECT txrelay.add_sender(31337, '${DEV[4]}', NULL, 0)"   # client-signed: signs after the update
  sql "SELECT txrelay.add_sender(31337, '${DEV[5]}', 'held')"    # its signer fails until after the update
  sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'upgrade-funding')"
  sql "SELECT txrelay.credit('alice', 31337, 'TKN', 1000000, 'upgrade-funding-tkn')"
} >/dev/null
wait_for "SELECT bool_and(next_nonce IS NOT NULL) FROM txrelay.senders" 30 "the senders' nonces"
start=$(block_number)

# An approval takes the least recently used active sender: the test keeps one active at a time.
use_sender() {
  sql "SELECT count(txrelay.set_sender_status(31337, address, CASE WHEN address = '${DEV[$1]}' THEN 'active' ELSE 'paused' END,
                                               'upgrade test: the next approval goes to ${DEV[$1]}'))
         FROM txrelay.senders WHERE status <> 'quarantined'" >/dev/null
}
request() {  # request KEY ASSET AMOUNT RECIPIENT: alice's withdrawal request; its id
  sql "SELECT withdrawal_id FROM txrelay.request_withdrawal('$1', 'alice', 31337, '$2', '$4', $3)"
}
approve() { sql "SELECT (txrelay.approve('$1', gen_random_uuid(), 'pd-$1', 'upgrade-test')).withdrawal_id"; }
approved() {  # approved SENDER_INDEX KEY ASSET AMOUNT RECIPIENT: requested and approved from that sender; its id
  local w
  w=$(request "$2" "$3" "$4" "$5")
  use_sender "$1"
  approve "$w"
}
client_submit() {  # client_submit WITHDRAWAL KEY GAS_LIMIT CAST_ARGS...: the client signs its request with cast and submits it
  local w=$1 key=$2 gas=$3 request nonce raw
  shift 3
  read -r request nonce < <(sql "SELECT signature_request_id || ' ' || nonce FROM txrelay.signature_requests WHERE withdrawal_id = '$w' AND status = 'pending'")
  raw=$("$CAST" mktx --private-key "$key" --chain 31337 --nonce "$nonce" --gas-limit "$gas" --gas-price 3gwei \
          --priority-gas-price 1gwei "$@")
  sql "SELECT attempt_id FROM txrelay.submit_signed('$request', decode('${raw#0x}', 'hex'))" >/dev/null
}
sent() { wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$1'" 20 "$2 sent"; }

# requested, rejected, cancelled: no nonce, nothing on chain.
w_requested=$(request up-requested ETH 1000000000000001 "${DEV[6]}")
w_rejected=$(request up-rejected ETH 1000000000000002 "${DEV[6]}")
sql "SELECT txrelay.reject('$w_rejected', gen_random_uuid(), 'pd-rejected', 'upgrade-test', 'policy says no')" >/dev/null
w_cancelled=$(request up-cancelled ETH 1000000000000003 "${DEV[6]}")
sql "SELECT txrelay.cancel('$w_cancelled', 'the customer changed their mind')" >/dev/null

# signed, and the dead letter: a block gas limit of 19,999 refuses any transfer (gas 21,000).
rpc anvil_setBlockGasLimit '["0x4e1f"]' >/dev/null
w_signed=$(approved 1 up-signed ETH 1000000000000004 "${DEV[7]}")
client_submit "$w_signed" "${KEY[1]}" 21000 "${DEV[7]}" --value 1000000000000004
wait_for "SELECT status = 'dead' FROM txrelay.outbox WHERE withdrawal_id = '$w_signed' AND kind = 'broadcast'" 20 "the dead letter"
rpc anvil_setBlockGasLimit '["0x1c9c380"]' >/dev/null   # 30,000,000 again; the row stays dead until requeued

# finalized, failed, replaced_externally: sent, mined together, then buried 9 blocks deep.
w_finalized=$(approved 0 up-finalized ETH 1000000000000005 "${DEV[7]}")
sent "$w_finalized" finalized
w_failed=$(approved 3 up-failed TKN 5000 "${DEV[6]}")
client_submit "$w_failed" "${KEY[3]}" 100000 "$token" 'transfer(address,uint256)' "${DEV[6]}" 5000
sent "$w_failed" failed
w_replaced=$(approved 2 up-replaced ETH 1000000000000006 "${DEV[7]}")
sent "$w_replaced" replaced_externally
"$CAST" send --async --private-key "${KEY[2]}" --nonce "$(sql "SELECT nonce FROM txrelay.nonce_reservations WHERE withdrawal_id = '$w_replaced'")" \
  --gas-price 200gwei --priority-gas-price 20gwei --rpc-url "$ANVIL_URL" "${DEV[9]}" --value 7 >/dev/null
mine 1
mine 9
wait_for "SELECT status = 'finalized' AND completed_at IS NOT NULL FROM txrelay.withdrawals WHERE withdrawal_id = '$w_finalized'" 30 "finalized"
wait_for "SELECT status = 'failed' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_failed'" 30 "failed"
wait_for "SELECT status = 'replaced_externally' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_replaced'" 30 "replaced_externally"
checkpoint=$(sql "SELECT version FROM txrelay.take_ledger_checkpoint()")

# safe (4 deep), included, reorged (its block replaced), broadcasted (never mined), in that order
# from the hot wallet; none is finalized before the update.
w_safe=$(approved 0 up-safe ETH 1000000000000007 "${DEV[7]}")
sent "$w_safe" safe
mine 1
mine 4
wait_for "SELECT status = 'safe' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_safe'" 20 "safe"
w_included=$(approved 0 up-included ETH 1000000000000008 "${DEV[7]}")
sent "$w_included" included
mine 1
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_included'" 20 "included"
w_reorged=$(approved 0 up-reorged ETH 1000000000000009 "${DEV[7]}")
sent "$w_reorged" reorged
mine 1
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_reorged'" 20 "included before the reorg"
rpc anvil_reorg '[1, []]' >/dev/null
wait_for "SELECT status = 'reorged' FROM txrelay.withdrawals WHERE withdrawal_id = '$w_reorged'" 20 "reorged"
wait_for "SELECT count(*) = 2 FROM txrelay.outbox WHERE withdrawal_id = '$w_reorged' AND kind = 'broadcast' AND status = 'done'" 20 "reorged: sent again"
w_broadcasted=$(approved 0 up-broadcasted ETH 1000000000000010 "${DEV[7]}")
sent "$w_broadcasted" broadcasted

# approved, twice: the client has not signed; the signer answers 500 (the broadcaster retries).
w_approved_client=$(approved 4 up-approved-client ETH 1000000000000011 "${DEV[7]}")
proxy_mode '{"mode": "http_500", "method": "eth_signTransaction"}'
w_approved_signer=$(approved 5 up-approved-signer ETH 1000000000000012 "${DEV[7]}")
wait_for "SELECT tries >= 2 AND status <> 'dead' FROM txrelay.outbox WHERE withdrawal_id = '$w_approved_signer' AND kind = 'sign'" 20 "the signer's failures"
use_sender 0

census() { sql "SELECT string_agg(status || ':' || n, ' ' ORDER BY status) FROM (SELECT status, count(*) n FROM txrelay.withdrawals GROUP BY 1) c"; }
every_status() {
  local missing
  missing=$(sql "SELECT string_agg(s, ' ') FROM unnest(string_to_array('$STATUSES', ' ')) s WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.status = s)")
  [ -z "$missing" ] || { echo "# missing statuses: $missing"; return 1; }
}
before=$(census)
echo "# before the update: $before"
check "before the update a withdrawal stands in every status (12)" every_status
check "and the held ones stay put: approved (client, signer failing), signed (dead letter), broadcasted, included, safe, reorged" \
  test "$(for w in $w_approved_client $w_approved_signer $w_signed $w_broadcasted $w_included $w_safe $w_reorged; do status_of "$w"; done | paste -sd,)" \
       = "approved,approved,signed,broadcasted,included,safe,reorged"
check "before the update: ledger entries of every kind, checkpoint $checkpoint, attempts, a dead letter" \
  test "$(sql "SELECT (SELECT string_agg(DISTINCT kind, ',' ORDER BY kind) FROM txrelay.ledger_entries) || '/' ||
                      (SELECT count(*) >= 1 FROM txrelay.ledger_checkpoints) || '/' || (SELECT count(*) >= 8 FROM txrelay.attempts) || '/' ||
                      (SELECT count(*) FROM txrelay.outbox WHERE status = 'dead')")" = "COMMIT,CREDIT,RELEASE,RESERVE/true/true/1"
check "before the update verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0

workers() { sql "SELECT string_agg(backend_type || ':' || pid, ',' ORDER BY backend_type) FROM pg_stat_activity WHERE backend_type LIKE 'txrelay %' AND datname = current_database()"; }
workers_before=$(workers)
log "ALTER EXTENSION txrelay UPDATE ($FROM -> $TO), workers running: $workers_before"
sql "ALTER EXTENSION txrelay UPDATE" >/dev/null
check "ALTER EXTENSION txrelay UPDATE: extversion $TO" test "$(sql "SELECT extversion FROM pg_extension WHERE extname = 'txrelay'")" = "$TO"
check "the update changed no withdrawal" test "$(census)" = "$before"
check "the broadcaster and the tracker ran across the update ($workers_before)" \
  test "$(workers)" = "$workers_before" -a "$(grep -o txrelay <<<"$workers_before" | wc -l)" = 2

# a. The updated schema is a fresh install's.
work=$TXR_CLUSTER_DIR/upgrade   # removed with the cluster
mkdir -p "$work"
psql -X -q -d postgres -c "CREATE DATABASE txrelay_fresh" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d txrelay_fresh -c "CREATE EXTENSION txrelay" >/dev/null
schema_of() {  # schema_of DB: its normalised schema into $work/DB.schema
  pg_dump --schema-only --binary-upgrade -d "$1" -f "$work/$1.dump" 2>"$work/pg_dump.log" || { cat "$work/pg_dump.log" >&2; die "pg_dump $1 failed"; }
  python3 "$UPGRADE_DIR/schema_of.py" <"$work/$1.dump" >"$work/$1.schema"
}
for db in txrelay_e2e txrelay_fresh; do
  schema_of "$db"
  psql -X -q -At -d "$db" -c "SELECT x.t::regclass || ' ' || x.w FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(t, w)
                               WHERE e.extname = 'txrelay' ORDER BY 1" >"$work/$db.config"
  psql -X -q -At -d "$db" -c "SELECT (pg_identify_object(classoid, objoid, objsubid)).identity || ' ' || privtype::text || ' ' || initprivs::text
                                FROM pg_init_privs ORDER BY 1" >"$work/$db.initprivs"
done
differs() {  # differs WHAT: the updated database's differs from the fresh one's ($work/WHAT.diff)
  ! diff -u "$work/txrelay_fresh.$1" "$work/txrelay_e2e.$1" >"$work/$1.diff"
}
same() { ! differs "$1"; }
shown() {  # shown WHAT [LINES]: the difference as TAP diagnostics under its check
  [ -s "$work/$1.diff" ] || return 0
  echo "# $1: --- fresh install, +++ updated database ($(grep -c '^[-+][^-+]' "$work/$1.diff") lines differ):"
  head -"${2:-60}" "$work/$1.diff" | sed 's/^/#   /'
}
check "the updated schema is a fresh install's: pg_dump --binary-upgrade of every member object, normalised ($(grep -c '^-- Name: ' "$work/txrelay_fresh.schema") objects)" \
  same schema
shown schema
check "the same $(wc -l <"$work/txrelay_fresh.config") tables registered with pg_extension_config_dump, with the same filters" same config
shown config
check "the same initial privileges (pg_init_privs, $(wc -l <"$work/txrelay_fresh.initprivs") objects)" same initprivs
shown initprivs
# The comparison must be able to fail: one function's cost changed in the fresh database.
psql -X -q -d txrelay_fresh -c "ALTER FUNCTION txrelay.verify_ledger(boolean) COST 101" >/dev/null
schema_of txrelay_fresh
check "and the comparison sees a change as small as ALTER FUNCTION verify_ledger COST 101 in the fresh database" differs schema
shown schema 12

# b. The ledger, checkpoints included, is intact.
sql "SELECT problem || ' ' || details FROM txrelay.verify_ledger(true)" | sed 's/^/# verify_ledger: /'
check "after the update verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0

# c. The workers finish what was in flight.
proxy_mode '{"mode": "pass"}'
client_submit "$w_approved_client" "${KEY[4]}" 21000 "${DEV[7]}" --value 1000000000000011
check "the dead letter requeued" \
  test "$(sql "SELECT status FROM txrelay.requeue_dead((SELECT outbox_id FROM txrelay.outbox WHERE withdrawal_id = '$w_signed' AND status = 'dead'))")" = pending
approve "$w_requested" >/dev/null
in_flight="'$w_requested', '$w_approved_client', '$w_approved_signer', '$w_signed', '$w_broadcasted', '$w_included', '$w_safe', '$w_reorged'"
open_sql="SELECT count(*) FROM txrelay.withdrawals WHERE withdrawal_id IN ($in_flight) AND (status <> 'finalized' OR completed_at IS NULL)"
deadline=$((SECONDS + 90))
shown=$SECONDS
while [ "$(sql "$open_sql")" != 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
  mine 1
  sleep 0.3
  if [ $((SECONDS - shown)) -ge 5 ]; then
    shown=$SECONDS
    log "block $(block_number): $(census)"
  fi
done
echo "# after the update: $(census)"
check "every withdrawal in flight at the update (8) finalized and completed once, with one COMMIT" \
  test "$(sql "SELECT count(*) FROM txrelay.withdrawals w WHERE withdrawal_id IN ($in_flight) AND status = 'finalized' AND completed_at IS NOT NULL
                 AND (SELECT count(*) FROM txrelay.ledger_entries e WHERE e.withdrawal_id = w.withdrawal_id AND e.kind = 'COMMIT') = 1")" = 8
check "the reorged one: included again with the same bytes (one attempt)" \
  test "$(sql "SELECT string_agg(to_status, ',' ORDER BY event_id) FROM txrelay.withdrawal_events WHERE withdrawal_id = '$w_reorged' AND event = 'status'")/$(sql "SELECT count(*) FROM txrelay.attempts WHERE withdrawal_id = '$w_reorged'")" \
       = "requested,approved,signed,broadcasted,included,reorged,included,safe,finalized/1"
check "the same workers finished them" test "$(workers)" = "$workers_before"
check "a checkpoint on the updated schema" test "$(sql "SELECT version > $checkpoint FROM txrelay.take_ledger_checkpoint()")" = t
check "verify_ledger(true) finds nothing at the end" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
check "ledger COMMIT and RELEASE against the receipts; recipients' balances = completed amounts (against the node)" check_settlement "$start"
check "every reserved nonce on chain once, holding its withdrawal's transaction (or the outside one)" check_chain
finish
