#!/usr/bin/env bash
# Every benchmark, one after the other on this machine, each section of docs/benchmarks.md
# rewritten with its figures (between its <!-- bench:NAME --> markers), and a run summary.
#   make bench                              all of it (about 18 minutes on 2 cores)
#   ONLY="intake pipeline" make bench       some sections
#   ONLY=memory_long make bench             the 30-minute memory soak (its own section)
#   ONLY=vacuum_long make bench             the hour of steady load for autovacuum (its own section)
# Sections: codec intake batch pipeline tracker memory vacuum cost_growth hostile_args (the default),
# memory_long, vacuum_long.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bench/lib.sh
ONLY=${ONLY:-"codec intake batch pipeline tracker memory vacuum cost_growth hostile_args"}
DOC=docs/benchmarks.md
./scripts/deps.sh >/dev/null
make -s -j"$(nproc)" >/dev/null && as_root make -s install >/dev/null
export BENCH_NO_BUILD=1
out=$(mktemp -d /tmp/txrelay-bench-all.XXXXXX)
trap 'rm -rf "$out"' EXIT

run_section() {  # run_section NAME command...: the command's stdout becomes the section
  local name=$1 t0=$SECONDS
  shift
  log "benchmark $name: $*"
  "$@" >"$out/$name.md"
  {
    echo
    echo "Command: \`$*\` — run $(machine), in $((SECONDS - t0)) s."
  } >>"$out/$name.md"
  echo "| $name | \`$*\` | $((SECONDS - t0)) s | $(date -u +%Y-%m-%d) |" >>"$out/summary"
}

started=$SECONDS
for s in $ONLY; do
  case $s in
    codec) run_section codec bench/codec.sh 10 ;;
    intake) run_section intake bench/intake.sh ;;
    batch) run_section batch bench/batch.sh ;;
    pipeline) run_section pipeline bench/pipeline.sh ;;
    tracker) run_section tracker bench/tracker_cost.sh ;;
    memory) run_section memory env MINUTES=2 SAMPLE=20 bench/memory_soak.sh ;;
    memory_long) run_section memory_long env MINUTES=30 SAMPLE=60 bench/memory_soak.sh ;;
    vacuum) run_section vacuum env MINUTES=2 SAMPLE=30 bench/vacuum_soak.sh ;;
    vacuum_long) run_section vacuum_long env MINUTES=60 SAMPLE=300 NAPTIME=1min bench/vacuum_soak.sh ;;
    cost_growth) run_section cost_growth bench/cost_growth.sh ;;
    hostile_args) run_section hostile_args bench/hostile_args.sh ;;
    *) die "unknown section $s" ;;
  esac
done
echo "Last run: \`ONLY=\"$ONLY\" make bench\` on $(machine), $((SECONDS - started)) s in all." >"$out/summary.md"
# The summary keeps the rows of the sections this run left alone (their figures stay in the
# document too), in the order of the document.
python3 - "$DOC" "$out" $ONLY summary <<'PY'
import os, re, sys
doc, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(doc).read()
order = re.findall(r"<!-- bench:(\w+) -->", text)
rows = {}
old = re.search(r"<!-- bench:summary -->\n(.*?)<!-- /bench:summary -->", text, re.S)
for line in (old.group(1).splitlines() if old else []):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if line.startswith("| ") and cells[0] in order and cells[0] not in names:
        rows[cells[0]] = line if len(cells) == 4 else line + " earlier |"
for line in open(os.path.join(out, "summary")).read().splitlines():
    rows[line.split("|")[1].strip()] = line
with open(os.path.join(out, "summary.md"), "a") as f:
    f.write("\n| section | command | time | run on |\n|---|---|---|---|\n")
    f.write("".join(rows[n] + "\n" for n in order if n in rows))
for name in names:
    body = open(os.path.join(out, name + ".md")).read().strip()
    pattern = re.compile(r"(<!-- bench:%s -->\n)(?:.*?\n)?(<!-- /bench:%s -->)" % (name, name), re.S)
    if not pattern.search(text):
        sys.exit(f"{doc} has no <!-- bench:{name} --> section")
    text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
open(doc, "w").write(text)
PY
log "benchmarks done in $((SECONDS - started)) s; $DOC rewritten (sections: $ONLY)"
