#!/usr/bin/env bash
# Builds the decoder fuzzer with clang (ASan + UBSan + libFuzzer) and runs it for FUZZ_SECONDS
# (default 60) on the committed seed corpus. New inputs go to a scratch corpus; a crash, leak,
# sanitizer report or timeout is written to build/fuzz/artifacts and fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DTXRELAY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j"$(nproc)" --target decode_tx_fuzzer >/dev/null
rm -rf build/fuzz/scratch build/fuzz/artifacts
mkdir -p build/fuzz/scratch build/fuzz/artifacts
status=0
build/fuzz/decode_tx_fuzzer -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 -timeout=10 \
  -artifact_prefix=build/fuzz/artifacts/ build/fuzz/scratch test/fuzz/corpus/decode_tx >build/fuzz/last.log 2>&1 || status=$?
grep -E '^(INFO: seed corpus|stat::number_of_executed_units|stat::new_units_added)' build/fuzz/last.log || true
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/last.log)
if [ "$status" -ne 0 ] || [ -n "$(ls -A build/fuzz/artifacts)" ] || [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
  grep -E '==|SUMMARY|ERROR|error' build/fuzz/last.log | head -40 >&2 || true
  echo "fuzzing failed (exit $status); log build/fuzz/last.log, inputs in build/fuzz/artifacts" >&2
  exit 1
fi
echo "decoder fuzzed for ${seconds}s: $runs inputs, no finding"
