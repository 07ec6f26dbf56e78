#!/usr/bin/env bash
# Tracker cost and worker memory against the number pending: test/e2e/tracker_scale.sh (its checks
# included) with 1,000 and with 10,000 withdrawals waiting in anvil's pool (PENDING to change):
# JSON-RPC calls per new block (10 senders in both: SENDER_COUNT), and the broadcaster's and tracker's memory with that many pending.
# Usage: bench/tracker_cost.sh   (prints a Markdown section)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
PENDING=${PENDING:-"1000 10000"}
out=$(mktemp)
trap 'rm -f "$out" "$out".*' EXIT
for n in $PENDING; do
  log "tracker cost: $n pending"
  SCALE_OUT="$out.$n" N_PENDING=$n SENDER_COUNT=${SENDER_COUNT:-10} test/e2e/tracker_scale.sh >"$out.$n.log" 2>&1 || { cat "$out.$n.log" >&2; die "tracker_scale.sh with $n pending failed"; }
done
echo "| pending | senders with pending | all tracker calls per block | driven by blocks and pending | broadcaster private / RSS MiB | tracker private / RSS MiB |"
echo "|---|---|---|---|---|---|"
for n in $PENDING; do
  read -r p s all driven bp br tp tr < <(head -1 "$out.$n")
  echo "| $p | $s | $all | $driven | $((bp / 1024)) / $((br / 1024)) | $((tp / 1024)) / $((tr / 1024)) |"
done
for n in $PENDING; do
  read -r p s all driven < <(sed -n 2p "$out.$n")
  echo "| $p (the $n run, mined down) | $s | $all | $driven | | |"
done
echo
set -- $PENDING
read -r _ _ a1 d1 _ < <(head -1 "$out.$1")
read -r _ _ a2 d2 _ < <(head -1 "$out.${!#}")
echo "From $1 to ${!#} pending: all calls per block $a1 → $a2, driven calls $d1 → $d2 (bounded by one receipts call per block + two nonce counts per sender; each run's checks passed)."
