#!/usr/bin/env bash
# txrelay.prometheus() parses with the Prometheus client library's own parser, and every sample
# equals the txrelay.metrics row it comes from, after a real flow on anvil: withdrawals sent,
# mined and finalized by the workers. Both are read in one statement (one snapshot, one now()).
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
e2e_setup --slots-in-an-epoch 1
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'metrics-funding')" >/dev/null
for k in 1 2 3 4 5; do
  sql "SELECT txrelay.approve((txrelay.request_withdrawal('metrics-$k', 'alice', 31337, 'ETH', '${DEV[$((4 + k))]}', $((k * 1000)))).withdrawal_id, gen_random_uuid(), 'metrics-pd-$k', 'e2e')" >/dev/null
done
wait_for "SELECT count(*) = 5 FROM txrelay.withdrawals WHERE status IN ('included', 'safe', 'finalized')" 30 "all 5 mined"
mine 3
wait_for "SELECT count(*) = 5 FROM txrelay.withdrawals WHERE status = 'finalized'" 30 "all 5 finalized"

out=$(mktemp)   # (no trap here: lib.sh's EXIT trap stops the cluster, anvil and the proxy)
sql "SELECT json_build_object('text', txrelay.prometheus(), 'rows', (SELECT json_agg(m) FROM txrelay.metrics m))" >"$out"
# Debian's python3 has the client library (scripts/deps.sh installs python3-prometheus-client).
result=$(/usr/bin/python3 - "$out" "$(block_number)" <<'PY'
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
data = json.load(open(sys.argv[1]))
rows = {(r["metric"], tuple(sorted(r["labels"].items()))): r["value"] for r in data["rows"]}
samples = {}
for family in text_string_to_metric_families(data["text"]):
    for s in family.samples:
        samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b
mismatch = [k for k in rows if k not in samples or not same(float(rows[k]), samples[k])]
extra = [k for k in samples if k not in rows]
def v(name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))
print(len(samples), len(rows), len(mismatch), len(extra),
      v("txrelay_status_changes", to_status="finalized", window="1h"),
      v("txrelay_time_to_stage_seconds", stage="finalized", quantile="0.5", window="1h") > 0,
      v("txrelay_chain_head", chain_id="31337", tag="latest") == float(sys.argv[2]),
      v("txrelay_withdrawals_open", status="broadcasted"))
PY
)
rm -f "$out"
echo "# samples, view rows, mismatches, extra, finalized in the window, p50 > 0, head = node, open broadcasted: $result"
read -r n_samples n_rows n_mismatch n_extra finalized p50_positive head_ok open_b <<<"$result"
check "the Prometheus client parser reads the exposition: $n_samples samples" test "$n_samples" -gt 40
check "every sample equals its txrelay.metrics row, none missing, none extra" test "$n_samples/$n_mismatch/$n_extra" = "$n_rows/0/0"
check "the numbers say what happened: 5 finalized in the window, time to finalized p50 > 0, the head the node's, none pending" \
  test "$finalized/$p50_positive/$head_ok/$open_b" = "5.0/True/True/0.0"
# The postgres_exporter queries file: each query runs, returns the labels it declares and one row
# per sample of its family in txrelay.metrics.
exporter=$(/usr/bin/python3 - "$TXR_ROOT/docs/monitoring/postgres_exporter_queries.yaml" <<'PY'
import subprocess, sys, yaml
queries = yaml.safe_load(open(sys.argv[1]))
bad = []
for family, q in queries.items():
    declared = [next(iter(m)) for m in q["metrics"]]
    res = subprocess.run(["psql", "-X", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", q["query"]], capture_output=True, text=True)
    lines = res.stdout.splitlines()
    if res.returncode != 0 or not lines or lines[0].split("\t") != declared:
        bad.append(family)
        continue
    want = subprocess.run(["psql", "-X", "-At", "-c", f"SELECT count(*) FROM txrelay.metrics WHERE metric = '{family}'"], capture_output=True, text=True).stdout.strip()
    if str(len(lines) - 2) != want:   # header and "(n rows)"
        bad.append(family)
print(len(queries), ",".join(bad) or "none")
PY
)
families=$(sql "SELECT count(DISTINCT metric) FROM txrelay.metrics")
check "docs/monitoring/postgres_exporter_queries.yaml: one query per metric family ($families), each runs and returns its declared columns and all its samples (failing: ${exporter#* })" \
  test "$exporter" = "$families none"
finish
