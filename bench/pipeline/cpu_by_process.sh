#!/usr/bin/env bash
# Prints where the CPU went in a system-wide perf recording, as a Markdown table: the share of all
# samples per role (the two txrelay workers, the other PostgreSQL processes, anvil, the rest), then
# the top functions of the broadcaster and of the PostgreSQL sessions.
# Usage: cpu_by_process.sh PERF_DATA BROADCASTER_PID TRACKER_PID ANVIL_PID
set -euo pipefail
data=$1 bpid=$2 tpid=$3 apid=$4
perf report -i "$data" --sort pid --stdio --no-children -g none 2>/dev/null |
  python3 -c '
import collections, re, sys
b, t, a = sys.argv[1:4]
roles = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\d+):(\S+)", line)
    if not m:
        continue
    share, pid, comm = float(m.group(1)), m.group(2), m.group(3)
    if pid == b: role = "txrelay broadcaster (bgworker)"
    elif pid == t: role = "txrelay tracker (bgworker)"
    elif pid == a: role = "anvil (the node, and the signer: eth_signTransaction)"
    elif comm == "postgres": role = "PostgreSQL sessions and other server processes (request + approve, submit_signed is in the broadcaster)"
    elif comm == "psql": role = "psql clients"
    elif comm.startswith("tokio"): role = "anvil (the node, and the signer: eth_signTransaction)"
    elif comm == "swapper": role = "idle"
    elif comm == "node": role = "the head observer of the benchmark (Node.js)"
    else: role = "other (" + comm + ")"
    roles[role] += share
print("| process | share of CPU samples |")
print("|---|---|")
for role, share in roles.most_common():
    if share >= 0.5:
        print(f"| {role} | {share:.1f} % |")
' "$bpid" "$tpid" "$apid"
echo
echo "Top functions inside the broadcaster (share of the broadcaster's samples, self time):"
echo
echo '```'
perf report -i "$data" --pid "$bpid" --sort dso,sym --stdio --no-children -g none --percentage relative --percent-limit 2 2>/dev/null |
  grep -E '^\s+[0-9.]+%' | head -15 | sed -E 's/\s+$//'
echo '```'
