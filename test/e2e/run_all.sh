#!/usr/bin/env bash
# Runs every end-to-end test against a real node (each starts its own cluster, anvil and proxy).
set -uo pipefail
cd "$(dirname "$0")"
failed=()
for t in broadcast_pipeline broadcast_faults broadcast_dead_letter worker_lifecycle worker_primary_only broadcast_kill \
         tracker_flow tracker_reorg tracker_drop tracker_fee_bump tracker_external tracker_failed tracker_manual tracker_scale alerts_rpc metrics_prometheus reconcile_cron ledger_checkpoints sync_standby startup_reconcile send_retrying examples; do
  log=$(mktemp)
  start=$SECONDS
  if ./$t.sh >"$log" 2>&1; then
    echo "ok   e2e $t ($((SECONDS - start)) s): $(grep -E '^# [0-9]+ checks' "$log")"
  else
    echo "FAIL e2e $t ($((SECONDS - start)) s):"
    grep -vE 'WARNING|DETAIL|HINT|server closed|This probably|before or while|connection to server was lost' "$log" | tail -40
    failed+=("$t")
  fi
  rm -f "$log"
done
[ ${#failed[@]} -eq 0 ] || { echo "e2e failures: ${failed[*]}"; exit 1; }
