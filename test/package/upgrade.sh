#!/usr/bin/env bash
# upgrade.sh OLD_DEB NEW_DEB: a DBA's package upgrade, on anvil, with the workers running.
#   1. apt installs the released package (OLD_DEB, 0.1.0); a cluster preloads it, CREATE EXTENSION
#      txrelay gives its version, and its workers pay a withdrawal to finality;
#   2. apt installs the new package (NEW_DEB) while the server runs: the running server keeps the
#      old library it mapped, and a second withdrawal is requested on the old schema;
#   3. the server restarts on the new library, whose workers run on the old schema until
#   4. ALTER EXTENSION txrelay UPDATE; then the second withdrawal is approved and paid, the first
#      is untouched, and the ledger and the chain agree.
# NEW_DEB stays installed.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/../e2e/lib.sh"
old_deb=$1 new_deb=$2
old=$(dpkg-deb -f "$old_deb" Version) new=$(dpkg-deb -f "$new_deb" Version)
"$TXR_ROOT/test/package/install.sh" "$old_deb"
e2e_setup --slots-in-an-epoch 1
version() { sql "SELECT extversion FROM pg_extension WHERE extname = 'txrelay'"; }
check "CREATE EXTENSION txrelay on the $old package gives ${old%-*}" test "$(version)" = "${old%-*}"
fund_one_sender package
first=$(approve_new package-upgrade-1)
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$first'" 60 "the first withdrawal mined"
mine 3
wait_for "SELECT status = 'finalized' FROM txrelay.withdrawals WHERE withdrawal_id = '$first'" 60 "the first withdrawal finalized"
ok "the $old package's workers paid a withdrawal to finality"

"$TXR_ROOT/test/package/install.sh" "$new_deb"
mapped() { grep -h "txrelay.so" /proc/"$TXR_CLUSTER_PID"/maps | awk '{print $6 ($7 ? " " $7 : "")}' | sort -u; }
check "after apt installed $new, the running server still runs the library it mapped (now replaced on disk)" \
  test "$(mapped)" = "$("$PG_BINDIR/pg_config" --pkglibdir)/txrelay.so (deleted)"
second=$(sql "SELECT (txrelay.request_withdrawal('package-upgrade-2', 'alice', 31337, 'ETH', '${DEV[6]}', 2000000000000000)).withdrawal_id")

as_pg "$PG_BINDIR/pg_ctl" -D "$TXR_CLUSTER_DIR/data" -w -t 60 -m fast restart >/dev/null
TXR_CLUSTER_PID=$(head -1 "$TXR_CLUSTER_DIR/data/postmaster.pid")
check "restarted, the server maps the new library" test "$(mapped)" = "$("$PG_BINDIR/pg_config" --pkglibdir)/txrelay.so"
check "the schema is still ${old%-*} until ALTER EXTENSION" test "$(version)" = "${old%-*}"
sql "ALTER EXTENSION txrelay UPDATE" >/dev/null
check "ALTER EXTENSION txrelay UPDATE moves it to ${new%-*}" test "$(version)" = "${new%-*}"

sql "SELECT txrelay.approve('$second', gen_random_uuid(), 'pd-package-upgrade-2', 'e2e')" >/dev/null
wait_for "SELECT status = 'included' FROM txrelay.withdrawals WHERE withdrawal_id = '$second'" 60 "the second withdrawal mined"
mine 3
wait_for "SELECT status = 'finalized' FROM txrelay.withdrawals WHERE withdrawal_id = '$second'" 60 "the second withdrawal finalized"
ok "the $new package's workers paid the withdrawal requested before the update"
check "the first withdrawal is still finalized, at nonce 0; the second took nonce 1" \
  test "$(sql "SELECT string_agg(w.status || ':' || r.nonce, ',' ORDER BY r.nonce) FROM txrelay.withdrawals w JOIN txrelay.nonce_reservations r USING (withdrawal_id)")" = "finalized:0,finalized:1"
check "each withdrawal's transaction is on chain once, at its nonce" check_chain
check "verify_ledger(true) finds nothing" test -z "$(sql "SELECT * FROM txrelay.verify_ledger(true)")"
check "no worker error in the server log" bash -c "! grep -E 'ERROR|FATAL|PANIC' '$TXR_CLUSTER_DIR/server.log' | grep -v 'does not exist'"
finish
