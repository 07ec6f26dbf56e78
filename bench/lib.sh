# Shared helpers of the benchmarks in bench/. Source it; it defines functions only.
# Every benchmark prints its section of docs/benchmarks.md (Markdown) on stdout and its progress
# on stderr; bench/run_all.sh puts the sections into the document.

# stats V1 V2 ...: "min | median | max" of the numbers, rounded to $STATS_DIGITS (default 1).
stats() {
  python3 - "$@" <<'PY'
import os, statistics, sys
v = sorted(float(x) for x in sys.argv[1:])
d = int(os.environ.get("STATS_DIGITS", "1"))
f = lambda x: f"{x:,.{d}f}"
print(f"{f(v[0])} | {f(statistics.median(v))} | {f(v[-1])}" if v else "- | - | -")
PY
}

# ratios "A1 A2 ..." "B1 B2 ...": the pairwise ratios A_i / B_i (same run, same repetition), as a
# space-separated list.
ratios() {
  python3 - "$1" "$2" <<'PY'
import sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
print(" ".join(f"{x / y:.4f}" for x, y in zip(a, b) if y))
PY
}

# median V1 V2 ...: the median alone (for verdicts).
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# verdict VALUE GOAL "what": "met (VALUE ≥ GOAL)" or "missed by X %".
verdict() {
  python3 - "$1" "$2" <<'PY'
import sys
v, g = float(sys.argv[1]), float(sys.argv[2])
print(f"**met** ({v:.2f} ≥ {g:.2f})" if v >= g else f"**missed** ({v:.2f} < {g:.2f}: {100 * (g - v) / g:.0f} % short)")
PY
}

# machine: one line describing the machine and the software, for every section.
machine() {
  local cpu
  cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
  echo "$(date -u +%Y-%m-%d), $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) vCPU ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB, PostgreSQL $(pg_config --version | awk '{print $2}'), anvil $("$TXR_ROOT/.tools/bin/anvil" --version 2>/dev/null | head -1 | awk '{print $2}')"
}

# rss_kib PID: the process's resident set size in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# worker_pid NAME: the PID of a txrelay background worker ('txrelay broadcaster', 'txrelay tracker').
worker_pid() { psql -X -q -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = '$1'"; }

# private_kib PID: the process's private memory in KiB (resident pages not shared with other
# processes: a PostgreSQL process's RSS also counts the shared buffers it has touched, which is
# not its own and grows as it touches more of them).
private_kib() { awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$1/smaps_rollup"; }
