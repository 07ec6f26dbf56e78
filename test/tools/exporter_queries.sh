#!/usr/bin/env bash
# Writes docs/monitoring/postgres_exporter_queries.yaml from txrelay.metrics: one query per metric family,
# its labels as LABEL columns and its value as a GAUGE or COUNTER (the view's type). Needs PG* of a database with the
# extension; rows that make every family appear (a chain head, a credit, an RPC call) are added inside a
# transaction that is rolled back. test/e2e/metrics_prometheus.sh checks the file against a live
# database, so a new family without a query fails the suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
families=$(psql -X -At -v ON_ERROR_STOP=1 <<'SQL' | sed -n '/^\[/,$p'
BEGIN;
SELECT txrelay.add_chain(987654, 'exporter-queries') \g /dev/null
SELECT txrelay.credit('exporter-queries', 987654, 'ETH', 1, 'exporter-queries') \g /dev/null
INSERT INTO txrelay.chain_heads VALUES (987654, 1, '\x00', 0, 0) \g /dev/null
INSERT INTO txrelay.rpc_calls (correlation_id, target, chain_id, method, request, outcome)
VALUES (gen_random_uuid(), 'x', 987654, 'm', '{}', 'ok') \g /dev/null
SELECT json_agg(x ORDER BY x.metric) FROM (
  SELECT m.metric, min(m.help) AS help, upper(min(m.type)) AS usage,
         (SELECT array_agg(DISTINCT k ORDER BY k) FROM txrelay.metrics m2, jsonb_object_keys(m2.labels) k WHERE m2.metric = m.metric) AS keys
    FROM txrelay.metrics m GROUP BY m.metric) x;
ROLLBACK;
SQL
)
/usr/bin/python3 - "$families" >docs/monitoring/postgres_exporter_queries.yaml <<'PY'
import json, sys
print("# postgres_exporter custom queries for txrelay (--extend.query-path=docs/monitoring/postgres_exporter_queries.yaml).")
print("# One query per metric family of txrelay.metrics; each exports <family>_value with the family's labels.")
print("# Connect the exporter as a role that is a member of txrelay_auditor (SELECT on txrelay.metrics).")
print("# Alternatively, scrape SELECT txrelay.prometheus() through any HTTP bridge or the node_exporter")
print("# textfile collector: it is the same numbers in the exposition format.")
print("# Written by test/tools/exporter_queries.sh; test/e2e/metrics_prometheus.sh runs every query here.")
text = sys.argv[1]
for f in json.loads(text[text.index("["):text.rindex("]") + 1]):
    keys = f["keys"] or []
    cols = ", ".join([f"labels ->> '{k}' AS \\\"{k}\\\"" for k in keys] + ["value"])
    print()
    print(f"{f['metric']}:")
    print(f"  query: \"SELECT {cols} FROM txrelay.metrics WHERE metric = '{f['metric']}'\"")
    print("  metrics:")
    for k in keys:
        print(f"    - {k}:")
        print("        usage: \"LABEL\"")
        print(f"        description: \"{k}\"")
    print("    - value:")
    print(f"        usage: \"{f['usage']}\"")
    help_text = f["help"].replace('"', '\\"')
    print(f"        description: \"{help_text}\"")
PY
