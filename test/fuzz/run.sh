#!/usr/bin/env bash
# Builds the fuzzers with clang (ASan + UBSan + libFuzzer) and runs them for FUZZ_SECONDS in all
# (default 60), half each, on their committed seed corpora: the transaction decoder
# (decode_tx_fuzzer) and the readers of a node's answers (rpc_answers_fuzzer). New inputs go to a
# scratch corpus; a crash, leak, sanitizer report or timeout is written to
# $FUZZ_BUILD_DIR/artifacts (default build/fuzz) and fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build/fuzz}
# libFuzzer reads -max_total_time=0 as "no limit": each gets at least a second.
rpc_seconds=$((seconds / 2 > 0 ? seconds / 2 : 1))
decoder_seconds=$((seconds - rpc_seconds > 0 ? seconds - rpc_seconds : 1))
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DTXRELAY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target decode_tx_fuzzer rpc_answers_fuzzer >/dev/null
rm -rf "$build/scratch" "$build/artifacts"
mkdir -p "$build/artifacts"

# run_fuzzer NAME CORPUS SECONDS MAX_LEN: fails the script on any finding.
run_fuzzer() {
  local name=$1 corpus=$2 secs=$3 max_len=$4 status=0 log="$build/$1.log"
  mkdir -p "$build/scratch/$name"
  "$build/$name" -max_total_time="$secs" -print_final_stats=1 -max_len="$max_len" -timeout=10 \
    -artifact_prefix="$build/artifacts/" "$build/scratch/$name" "$corpus" >"$log" 2>&1 || status=$?
  grep -E '^(INFO: seed corpus|stat::number_of_executed_units|stat::new_units_added)' "$log" || true
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ "$status" -ne 0 ] || [ -n "$(ls -A "$build/artifacts")" ] || [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
    grep -E '==|SUMMARY|ERROR|error' "$log" | head -40 >&2 || true
    echo "fuzzing $name failed (exit $status); log $log, inputs in $build/artifacts" >&2
    exit 1
  fi
  echo "$name fuzzed for ${secs}s: $runs inputs, no finding"
}

run_fuzzer decode_tx_fuzzer test/fuzz/corpus/decode_tx "$decoder_seconds" 4096
run_fuzzer rpc_answers_fuzzer test/fuzz/corpus/rpc_answers "$rpc_seconds" 8192
