#!/usr/bin/env bash
# Runs every end-to-end test against a real node (each starts its own cluster, anvil and proxy on
# free loopback ports), the upgrade test (test/upgrade/upgrade.sh) last; or only those named:
# run_all.sh tracker_flow ... E2E_JOBS tests run at a time (default 2: most of them wait on blocks
# and timeouts, not on the CPU); those whose checks bound a time or a rate, and the CPU-heavy
# node implementations, run alone afterwards.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
all=(broadcast_pipeline broadcast_faults secrets broadcast_dead_letter worker_lifecycle worker_primary_only broadcast_kill cancel_race
     tracker_flow tracker_reorg tracker_drop tracker_fee_bump tracker_external tracker_failed tracker_manual tracker_scale
     tracker_l2_fee on_ganache on_hardhat alerts_rpc metrics_prometheus monitoring reconcile_cron ledger_checkpoints checkpoint_signing sync_standby startup_reconcile logical_restore pitr_restore replica_failover send_retrying pgbouncer examples
     ../upgrade/upgrade)
alone=" broadcast_pipeline broadcast_dead_letter broadcast_kill tracker_scale on_ganache on_hardhat ../upgrade/upgrade "
jobs_at_once=${E2E_JOBS:-2}
if [ $# -gt 0 ]; then tests=("$@"); else tests=("${all[@]}"); fi
reports=$(mktemp -d /tmp/txrelay-e2e.XXXXXX)

# run_one TEST: runs it and prints its report in one write (lanes finish in any order); a failed
# test leaves its name in $reports/failed.
run_one() {
  local t=$1 log out start=$SECONDS
  log=$(mktemp) out=$(mktemp)
  if ./$t.sh >"$log" 2>&1; then
    echo "ok   e2e ${t##*/} ($((SECONDS - start)) s): $(grep -E '^# [0-9]+ checks' "$log")" >"$out"
  else
    {
      echo "FAIL e2e ${t##*/} ($((SECONDS - start)) s):"
      awk '/^not ok/ {d = 1; print; next} d && /^#/ {print; next} {d = 0}' "$log"   # failed checks, their diagnostics
      echo "# the last lines:"
      grep -vE 'WARNING|DETAIL|HINT|server closed|This probably|before or while|connection to server was lost' "$log" | tail -40
    } >"$out"
    echo "${t##*/}" >>"$reports/failed"
  fi
  cat "$out"
  rm -f "$log" "$out"
}

for t in "${tests[@]}"; do
  [[ $alone == *" $t "* ]] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_at_once" ]; do wait -n; done
  run_one "$t" &
done
wait
for t in "${tests[@]}"; do
  [[ $alone == *" $t "* ]] && run_one "$t"
done
failed=$(tr '\n' ' ' 2>/dev/null <"$reports/failed")
rm -rf "$reports"
[ -z "$failed" ] || { echo "e2e failures: $failed"; exit 1; }
