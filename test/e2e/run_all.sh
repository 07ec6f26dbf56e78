#!/usr/bin/env bash
# Runs every end-to-end test against a real node (each starts its own cluster, anvil and proxy),
# the upgrade test (test/upgrade/upgrade.sh) last; or only those named: run_all.sh tracker_flow ...
set -uo pipefail
cd "$(dirname "$0")" || exit 1
all=(broadcast_pipeline broadcast_faults secrets broadcast_dead_letter worker_lifecycle worker_primary_only broadcast_kill cancel_race
     tracker_flow tracker_reorg tracker_drop tracker_fee_bump tracker_external tracker_failed tracker_manual tracker_scale
     tracker_l2_fee on_ganache on_hardhat alerts_rpc metrics_prometheus monitoring reconcile_cron ledger_checkpoints checkpoint_signing sync_standby startup_reconcile logical_restore pitr_restore replica_failover send_retrying pgbouncer examples
     ../upgrade/upgrade)
if [ $# -gt 0 ]; then tests=("$@"); else tests=("${all[@]}"); fi
failed=()
for t in "${tests[@]}"; do
  log=$(mktemp)
  start=$SECONDS
  if ./$t.sh >"$log" 2>&1; then
    echo "ok   e2e ${t##*/} ($((SECONDS - start)) s): $(grep -E '^# [0-9]+ checks' "$log")"
  else
    echo "FAIL e2e ${t##*/} ($((SECONDS - start)) s):"
    awk '/^not ok/ {d = 1; print; next} d && /^#/ {print; next} {d = 0}' "$log"   # failed checks, their diagnostics
    echo "# the last lines:"
    grep -vE 'WARNING|DETAIL|HINT|server closed|This probably|before or while|connection to server was lost' "$log" | tail -40
    failed+=("${t##*/}")
  fi
  rm -f "$log"
done
[ ${#failed[@]} -eq 0 ] || { echo "e2e failures: ${failed[*]}"; exit 1; }
