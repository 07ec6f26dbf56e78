#!/usr/bin/env bash
# Decode + verify of signed transactions per second beside the raw libsecp256k1 recovery rate, on
# the same cast-made transactions, in one process with the repetitions interleaved (a noisy
# machine slows both alike). Prints min / median / max of each and the ratio per repetition pair.
# Usage: bench/codec.sh [REPETITIONS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh >/dev/null
REPS=${1:-15}
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/bench --target codec_bench -j2 >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/bench/codec_bench --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
  --benchmark_min_time=0.5 --benchmark_report_aggregates_only=false --benchmark_format=json >"$out" 2>/dev/null
python3 - "$out" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
runs = {}
for b in data["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    runs.setdefault(b["run_name"], []).append((b["repetition_index"], b["items_per_second"]))
rec = dict(runs["BM_RawRecover"])
dv = dict(runs["BM_DecodeVerify"])
ratios = [dv[i] / rec[i] for i in sorted(rec) if i in dv]
ctx = data["context"]
print(f"machine: {ctx['num_cpus']} CPUs at {ctx['mhz_per_cpu']} MHz, Google Benchmark library built as {ctx.get('library_build_type', '?')} (our code: Release); {len(ratios)} repetitions, interleaved")
print()
print("| what | per second, min | median | max |")
print("|---|---|---|---|")
for name, label in (("BM_RawRecover", "libsecp256k1 recover (parse + recover)"), ("BM_DecodeVerify", "txrelay decode + verify (submit_signed's check)")):
    v = sorted(x for _, x in runs[name])
    print(f"| {label} | {v[0]:,.0f} | {statistics.median(v):,.0f} | {v[-1]:,.0f} |")
r = sorted(ratios)
print(f"| ratio decode+verify / recover, per repetition pair | {r[0]:.1%} | {statistics.median(r):.1%} | {r[-1]:.1%} |")
PY
