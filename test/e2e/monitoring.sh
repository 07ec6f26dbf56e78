#!/usr/bin/env bash
# The DBA's monitoring stack, for real (Debian 12's prometheus-postgres-exporter 0.11 and
# prometheus 2.42): after withdrawals paid on anvil (one asked twice: an idempotent replay),
#   1. promtool checks the shipped rules (docs/monitoring/txrelay-alerts.rules.yml) and runs their
#      unit tests (each rule fires on its alert kind and stays silent on a healthy series);
#   2. postgres_exporter runs the shipped queries file as a member of txrelay_auditor, Prometheus
#      scrapes it, and through Prometheus's HTTP API every metric family of txrelay.metrics arrives
#      with its labels and its type;
#   3. every panel query of the Grafana dashboard (docs/monitoring/grafana-dashboard.json) returns
#      data from that Prometheus, and no txrelay rule fires on the healthy system;
#   4. the node is stopped: txrelay.alerts raises rpc_errors and Prometheus fires TxrelayRpcErrors.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
MON=${TXR_MONITORING_DIR:-$TXR_ROOT/docs/monitoring}   # (another directory: to see the checks fail on a broken copy)
EXPORTER_PID="" PROMETHEUS_PID=""
monitoring_stop() { stop_pid "$PROMETHEUS_PID"; stop_pid "$EXPORTER_PID"; rm -rf "${WORK:-/nonexistent}"; e2e_teardown; }
e2e_setup --slots-in-an-epoch 1
trap monitoring_stop EXIT
WORK=$(mktemp -d /tmp/txrelay-monitoring.XXXXXX)
chmod 755 "$WORK"

check "promtool check rules: the shipped rules are valid" promtool check rules "$MON/txrelay-alerts.rules.yml"
check "promtool test rules: each rule fires on its alert and not on a healthy series" \
  bash -c "cd '$MON' && promtool test rules txrelay-alerts.test.yml"

# A demo's worth of withdrawals, one of them asked twice (an idempotent replay).
sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil', 0)" >/dev/null
sql "SELECT txrelay.credit('alice', 31337, 'ETH', 1000000000000000000, 'monitoring-funding')" >/dev/null
for k in 1 2 3 4; do approve_new "monitoring-$k" >/dev/null; done
sql "SELECT txrelay.request_withdrawal('monitoring-1', 'alice', 31337, 'ETH', '${DEV[5]}', 1000000000000000)" >/dev/null
mine_until "SELECT count(*) = 4 FROM txrelay.withdrawals WHERE status = 'finalized'" 100

sql "CREATE ROLE txrelay_exporter LOGIN IN ROLE txrelay_auditor" >/dev/null
exporter_port=$(free_port)
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT user=txrelay_exporter dbname=$PGDATABASE sslmode=disable" \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$exporter_port" --disable-default-metrics \
  --disable-settings-metrics --extend.query-path="$MON/postgres_exporter_queries.yaml" >"$WORK/exporter.log" 2>&1 &
EXPORTER_PID=$!
prometheus_port=$(free_port)
cp "$MON/txrelay-alerts.rules.yml" "$WORK/"
cat >"$WORK/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [txrelay-alerts.rules.yml]
scrape_configs:
  - job_name: txrelay
    static_configs: [{targets: ['127.0.0.1:$exporter_port'], labels: {instance: txrelay_e2e}}]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$WORK/prometheus.log" 2>&1 &
PROMETHEUS_PID=$!
PROM="http://127.0.0.1:$prometheus_port"
promql() { curl -s --get --data-urlencode "query=$1" "$PROM/api/v1/query"; }
samples() { promql "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null || echo 0; }
for _ in $(seq 1 150); do [ "$(samples 'txrelay_withdrawals_open_value')" -gt 0 ] && break; sleep 0.2; done
sleep 6   # several scrapes, for rate()

# 2. Every family, its label names and its type, as txrelay.metrics has them, through Prometheus.
families=$(sql "SELECT json_object_agg(metric, json_build_object('type', type, 'labels', keys)) FROM (
  SELECT m.metric, min(m.type) AS type, (SELECT coalesce(json_agg(DISTINCT k ORDER BY k), '[]') FROM txrelay.metrics m2,
         jsonb_object_keys(m2.labels) k WHERE m2.metric = m.metric) AS keys FROM txrelay.metrics m GROUP BY m.metric) x")
family_problems=$(python3 - "$PROM" "$families" <<'PY'
import json, sys, urllib.parse, urllib.request
prom, families = sys.argv[1], json.loads(sys.argv[2])
def api(path, **q):
    return json.load(urllib.request.urlopen(prom + path + "?" + urllib.parse.urlencode(q)))["data"]
problems = []
for family, want in sorted(families.items()):
    name = family + "_value"
    series = api("/api/v1/series", **{"match[]": name})
    labels = sorted({k for s in series for k in s} - {"__name__", "instance", "job", "server"})
    meta = api("/api/v1/metadata", metric=name).get(name, [{}])[0].get("type")
    if not series: problems.append(f"{name}: no series")
    elif labels != sorted(want["labels"]): problems.append(f"{name}: labels {labels}, want {want['labels']}")
    if meta != want["type"]: problems.append(f"{name}: type {meta}, want {want['type']}")
print(f"{len(families)} families; " + ("; ".join(problems) or "all arrived"))
PY
)
check "every metric family of txrelay.metrics arrives in Prometheus with its labels and type ($family_problems)" \
  test "${family_problems#*; }" = "all arrived"

# 3. The dashboard's panel queries, Grafana's variables given their defaults.
panel_problems=$(python3 - "$PROM" "$MON/grafana-dashboard.json" <<'PY'
import json, sys, urllib.parse, urllib.request
prom, dash = sys.argv[1], json.load(open(sys.argv[2]))
empty, n = [], 0
for panel in dash["panels"]:
    for t in panel["targets"]:
        n += 1
        expr = t["expr"].replace("$instance", ".*").replace("$__rate_interval", "1m")
        r = json.load(urllib.request.urlopen(prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
        if r["status"] != "success" or not r["data"]["result"]:
            empty.append(f"{panel['title']!r} {t['refId']}")
print(f"{n} queries of {len(dash['panels'])} panels; " + ("no data: " + ", ".join(empty) if empty else "all return data"))
PY
)
check "every panel query of the Grafana dashboard returns data ($panel_problems)" test "${panel_problems#*; }" = "all return data"
check "no txrelay rule fires on the healthy system" test "$(samples 'ALERTS{txrelay_alert!=""}')" = 0

# 4. The node stops; with a short window the RPC failures make rpc_errors, and Prometheus fires it.
sql "ALTER SYSTEM SET txrelay.alert_rpc_window = '20s'" >/dev/null
sql "ALTER SYSTEM SET txrelay.alert_rpc_min_calls = 3" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
anvil_stop
approve_new monitoring-node-down >/dev/null   # the workers now call a node that is gone
fired=""
for _ in $(seq 1 120); do
  [ "$(samples 'ALERTS{alertname="TxrelayRpcErrors", alertstate="firing"}')" -gt 0 ] && { fired=1; break; }
  sleep 0.5
done
check "with the node stopped, txrelay.alerts has rpc_errors" test "$(sql "SELECT count(*) > 0 FROM txrelay.alerts WHERE alert = 'rpc_errors'")" = t
check "and Prometheus fires TxrelayRpcErrors" test "${fired:-0}" = 1
# The firing alert of the row's severity (as every call fails, the row turns from warning to critical).
firing_like_row() {
  local row
  row=$(sql "SELECT json_build_object('severity', severity, 'todo', what_to_do) FROM txrelay.alerts WHERE alert = 'rpc_errors' LIMIT 1")
  curl -s "$PROM/api/v1/alerts" | python3 -c '
import json, sys
row = json.loads(sys.argv[1] or "{}")
for a in json.load(sys.stdin)["data"]["alerts"]:
    if a["labels"]["alertname"] == "TxrelayRpcErrors" and a["state"] == "firing" and a["labels"]["severity"] == row.get("severity"):
        sys.exit(a["annotations"]["what_to_do"] != row["todo"])
sys.exit(1)' "$row"
}
same=""
for _ in $(seq 1 40); do firing_like_row && { same=1; break; }; sleep 0.5; done
check "with the alert row's severity and what-to-do text" test "${same:-0}" = 1
finish
