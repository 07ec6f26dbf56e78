#!/usr/bin/env bash
# Secrets (issue 18, decision 69): URLs name secrets as ${NAME}, the workers read them from
# txrelay.secrets_file (the server's user, 0600) at the call; a secret in a failing statement is
# not logged; provider URL shapes are redacted; a name that resolves to a link-local address is
# refused before connecting; and no secret is anywhere a reader of the database or its log can
# look: tables, views, metrics, alerts, the server log. Every secret here contains the marker
# "txrsecret" that the test command scans every server log of the run for.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
e2e_setup

NODE_KEY=txrsecretNodeKey0123456789abcdef
SIGNER_PASS=txrsecretSignerPass42
SIGNER_KEY=txrsecretSignerKey0123456789ABCD
SECRETS="$TXR_CLUSTER_DIR/txrelay.secrets"
write_secrets() {  # write_secrets MODE LINES...
  local mode=$1
  shift
  printf '%s\n' "$@" | as_pg tee "$SECRETS" >/dev/null
  as_pg chmod "$mode" "$SECRETS"
}
reload_with() { sql "ALTER SYSTEM SET $1" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null; sleep 0.5; }
# The workers' start-up reconciliation needs the node first, so the reason shows in their log.
wait_log() {  # wait_log 'grep -E pattern' seconds
  local deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    grep -qE "$1" "$TXR_CLUSTER_DIR/server.log" && return 0
    sleep 0.2
  done
  return 1
}

sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000000, 'secrets-funding')" >/dev/null
# The node and the signer, both through the proxy, by reference only.
REF_ENDPOINT=$(sql "SELECT txrelay.add_rpc_endpoint(31337, '$PROXY_URL/v3/\${NODE_KEY}?apikey=\${NODE_KEY}', -1)")
sql "SELECT txrelay.set_rpc_endpoint(endpoint_id, enabled => false) FROM txrelay.rpc_endpoints WHERE endpoint_id <> $REF_ENDPOINT" >/dev/null
sql "SELECT txrelay.add_signer('anvil', 'http://signer:\${SIGNER_PASS}@${PROXY_URL#http://}/\${SIGNER_KEY}')" >/dev/null
check "the stored URLs hold names of secrets, not secrets" \
  test "$(sql "SELECT count(*) FROM (SELECT url FROM txrelay.rpc_endpoints UNION ALL SELECT url FROM txrelay.signers) u WHERE url LIKE '%txrsecret%'")" = 0

# 1. No secrets file yet: the call is not made, and the reason names the setting.
id=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('sec-1', 'alice', 31337, 'ETH', '${DEV[5]}', 1001)).withdrawal_id, gen_random_uuid(), 'sec-pd-1', 'e2e')).withdrawal_id")
check "without txrelay.secrets_file nothing is sent and the workers' log says why" \
  wait_log 'txrelay broadcaster: .*txrelay.secrets_file \(unset\) is needed: a URL names a secret, for http://127.0.0.1:[0-9]+/v3/\$\{NODE_KEY\}' 20
check "nothing was sent meanwhile" test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = approved

# 2. A file others can read is refused; the error names the file and the fix, not a value.
write_secrets 0644 "NODE_KEY=$NODE_KEY" "SIGNER_PASS=$SIGNER_PASS" "SIGNER_KEY=$SIGNER_KEY"
reload_with "txrelay.secrets_file = '$SECRETS'"
check "a secrets file readable by others is not used (chmod 0600 asked for)" \
  wait_log "txrelay.secrets_file $SECRETS is readable or writable by group or others \(chmod 0600\)" 20
check "still nothing sent" test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = approved

# 3. A file without one of the names: the error names the missing secret.
write_secrets 0600 "NODE_KEY=$NODE_KEY" "SIGNER_PASS=$SIGNER_PASS"
check "a name missing from the file is reported by name (outbox or log)" \
  wait_for "SELECT count(*) > 0 FROM txrelay.outbox WHERE last_error LIKE '%secret SIGNER_KEY is not in txrelay.secrets_file%'" 20 "the missing name reported"

# 4. The full file: the withdrawal goes out, and the secrets reached the endpoint.
write_secrets 0600 "# test secrets" "NODE_KEY=$NODE_KEY" "SIGNER_PASS=$SIGNER_PASS" "SIGNER_KEY=$SIGNER_KEY"
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id'" 30 "broadcast with the secrets"
check "with the secrets file the withdrawal is broadcast" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id'")" = broadcasted
stats=$(curl -s "$PROXY_CONTROL/stats")
check "the endpoint was called with the secret in its path and query (the reference was replaced)" \
  grep -q "/v3/$NODE_KEY?apikey=$NODE_KEY" <<<"$stats"
check "the signer was called with the secret password (basic auth) or its key path" \
  grep -qE "$SIGNER_KEY|$(printf 'signer:%s' "$SIGNER_PASS" | base64)" <<<"$stats"
check "on chain: one transaction per nonce, each the withdrawal's own" check_chain --require-all-sent

# 5. Secrets typed inline into statements that fail: the server log must not get them.
for stmt in \
  "SELECT txrelay.add_rpc_endpoint(999, 'https://user:txrsecretInlinePass@rpc.example.com/v3/txrsecretInlineKey0123')" \
  "SELECT txrelay.add_rpc_endpoint(31337, 'http://169.254.169.254/txrsecretMetadataKey01')" \
  "SELECT txrelay.add_rpc_endpoint(31337, 'https://h/\${BAD-txrsecret}')" \
  "SELECT txrelay.add_signer('bad name!', 'https://user:txrsecretSignerInline@signer.example.com/')" \
  "SELECT txrelay.add_signer('ok-name', 'ftp://txrsecretFtp@signer.example.com/')"; do
  psql -X -q -c "$stmt" >/dev/null 2>&1 && { not_ok "expected an error: $stmt"; continue; }
done
sleep 0.3
check "failed add_rpc_endpoint / add_signer calls left no secret in the server log" \
  bash -c "! grep -q txrsecret '$TXR_CLUSTER_DIR/server.log'"
check "their errors were logged (without the statement)" \
  test "$(grep -c 'ERROR: .*\(chain_id\|url\|name\)' "$TXR_CLUSTER_DIR/server.log")" -ge 5

# 6. Provider shapes stored inline (disabled: never called): none survives redaction.
for url in \
  "https://eth-mainnet.g.alchemy.com/v2/txrsecretAlchemyKey0123456789" \
  "https://mainnet.infura.io/v3/txrsecret0123456789abcdef01234567" \
  "https://frosty-snowy-meadow.quiknode.pro/txrsecretQuickNode0123/" \
  "https://node.custom-host.net/txrsecret7/rpc" \
  "https://txrsecret7sub.rpc.example.com/" \
  "https://rpc.example.com/eth;apikey=txrsecretMatrix" \
  "https://rpc.example.com/?txrsecretBare" \
  "https://rpc.example.com/?key=txrsecretQuery" \
  "https://user:txrsecretPass@rpc.example.com/" \
  "https://rpc.example.com/#txrsecretFragment"; do
  sql "SELECT txrelay.set_rpc_endpoint(txrelay.add_rpc_endpoint(31337, '$url', 50), enabled => false)" >/dev/null
done
check "url_redacted of the 10 provider shapes holds no part of a key" \
  test "$(sql "SELECT count(*) FROM txrelay.rpc_endpoints WHERE url_redacted LIKE '%txrsecret%'")" = 0

# 7. A name that resolves to a link-local address passes add_rpc_endpoint (its text is only a
# name) and is refused by the worker before it connects.
write_secrets 0600 "NODE_KEY=$NODE_KEY" "SIGNER_PASS=$SIGNER_PASS" "SIGNER_KEY=$SIGNER_KEY" "META_HOST=169.254.169.254"
META_ENDPOINT=$(sql "SELECT txrelay.add_rpc_endpoint(31337, 'http://\${META_HOST}/', -2)")
id2=$(sql "SELECT (txrelay.approve((txrelay.request_withdrawal('sec-2', 'alice', 31337, 'ETH', '${DEV[5]}', 1002)).withdrawal_id, gen_random_uuid(), 'sec-pd-2', 'e2e')).withdrawal_id")
wait_for "SELECT status = 'broadcasted' FROM txrelay.withdrawals WHERE withdrawal_id = '$id2'" 30 "broadcast past the link-local endpoint"
check "the link-local endpoint was refused before connecting, recorded in the audit" \
  test "$(sql "SELECT count(*) > 0 FROM txrelay.rpc_calls WHERE endpoint_id = $META_ENDPOINT AND response LIKE 'refused: the address is link-local%' AND outcome = 'connect_failed'")" = t
check "the withdrawal went out through the next endpoint" \
  test "$(sql "SELECT status FROM txrelay.withdrawals WHERE withdrawal_id = '$id2'")" = broadcasted
sql "SELECT txrelay.set_rpc_endpoint($META_ENDPOINT, enabled => false)" >/dev/null

# 8. Nowhere a reader can look: every table but the two configuration tables (whose url column
# is for the workers only), every view, metrics, prometheus(), alerts, the server log.
dump=$(as_pg "$PG_BINDIR/pg_dump" -h "$PGHOST" -p "$PGPORT" -U postgres --data-only \
         --exclude-table-data=txrelay.rpc_endpoints --exclude-table-data=txrelay.signers "$PGDATABASE")
check "the data dump (every table but the configuration) is non-trivial" test "$(grep -c . <<<"$dump")" -gt 50
check "no secret in any table's rows (rpc_calls, outbox, events, attempts, reconciliation, ...)" \
  bash -c "! grep -q txrsecret <<<\"\$1\"" _ "$dump"
views=$(sql "SELECT concat_ws(' ', (SELECT string_agg(url_redacted, ' ') FROM txrelay.rpc_endpoints),
                                   (SELECT string_agg(url_redacted, ' ') FROM txrelay.signers),
                                   (SELECT string_agg(a::text, ' ') FROM txrelay.alerts a),
                                   (SELECT string_agg(m::text, ' ') FROM txrelay.metrics m),
                                   txrelay.prometheus())")
check "views, metrics, prometheus() and alerts are non-trivial" test "${#views}" -gt 500
check "no secret in url_redacted, alerts, metrics or prometheus()" bash -c "! grep -q txrsecret <<<\"\$1\"" _ "$views"
check "no secret in the server log (workers' lines included)" bash -c "! grep -q txrsecret '$TXR_CLUSTER_DIR/server.log'"

# The scan the test command runs on every server log finds a planted secret (it can fail).
planted=$(mktemp)
echo "2026-01-01 LOG: https://u:txrsecretPlanted@h/" >"$planted"
check "the run-wide secret scan catches a planted secret" bash -c ". '$TXR_ROOT/scripts/cluster.sh'; export TXR_SECRET_REPORT=; ! secret_scan '$planted' 2>/dev/null"
rm -f "$planted"
finish
