#!/usr/bin/env bash
# The docs say what the code does: every public SQL function is in docs/sql-api.md, and every
# SQLSTATE the code raises is in its SQLSTATE table. Needs PG* of a test cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for fn in $(psql -X -At -c "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'txrelay'::regnamespace AND proname NOT LIKE '\_%'"); do
  grep -q "txrelay\.$fn(" docs/sql-api.md || { echo "docs/sql-api.md does not document txrelay.$fn"; fail=1; }
done
# The codes the C++ raises (src/core/error.hpp) and those the SQL functions raise (ERRCODE = ...
# in the schema's source set, sql/src/).
code_states=$({ grep -rhoE 'k[A-Za-z]+\[\] = "[0-9A-Z]{5}"' src/core/error.hpp; grep -hoE "ERRCODE = '[0-9A-Z]{5}'" sql/src/*.sql; } |
              grep -oE "[\"'][0-9A-Z]{5}[\"']" | tr -d "\"'" | sort -u)
doc_states=$(sed -n '/<!-- sqlstates -->/,/<!-- \/sqlstates -->/p' docs/sql-api.md | grep -oE '^\| `[0-9A-Z]{5}`' | grep -oE '[0-9A-Z]{5}' | sort -u)
# Every code the C++ raises is documented; every product code (TRxxx) documented exists in code.
for s in $code_states; do
  grep -qx "$s" <<<"$doc_states" || { echo "SQLSTATE $s (src/core/error.hpp or sql/src/) is not in docs/sql-api.md"; fail=1; }
done
for s in $(grep '^TR' <<<"$doc_states"); do
  grep -qx "$s" <<<"$code_states" || { echo "SQLSTATE $s is documented but raised nowhere"; fail=1; }
done
# Every alert the view can raise is in the operations guide's table and has a runbook section.
alerts=$(grep -hoE "SELECT (CASE [^,]* END|'(critical|warning)'(::text AS severity)?), *('[a-z_]+'|CASE[^']*'[a-z]+' THEN '[a-z_]+' ELSE '[a-z_]+')" sql/src/*.sql |
         sed -E "s/^SELECT (CASE [^,]* END|'[a-z]+'(::text AS severity)?), *//" | grep -oE "'[a-z_]+'" | grep -vx "'failed'" | tr -d "'" | sort -u)
[ "$(wc -l <<<"$alerts")" -ge 10 ] || { echo "found only $(wc -l <<<"$alerts") alerts in sql/src/: the pattern is stale"; fail=1; }
for a in $alerts; do
  grep -q "^| \`$a\` |" docs/operations.md || { echo "docs/operations.md: alert $a is not in the alerts table"; fail=1; }
  grep -qE "^### .*\`$a\`" docs/runbook.md || { echo "docs/runbook.md: alert $a has no section"; fail=1; }
done
# Every alert kind and severity the view can raise is in txrelay._alert_kinds() (the metric
# txrelay_alert_open counts each), and the shipped Prometheus rules are those of today's alerts.
kinds=$(psql -X -At -F ' ' -c "SELECT alert, severity FROM txrelay._alert_kinds() ORDER BY 1, 2")
[ "$kinds" = "$(python3 test/tools/alert_rules.py --kinds)" ] ||
  { echo "txrelay._alert_kinds() (sql/src/70_alerts.sql) differs from the alerts the view raises:"; diff <(echo "$kinds") <(python3 test/tools/alert_rules.py --kinds); fail=1; }
python3 test/tools/alert_rules.py --check >/dev/null || fail=1
# Every setting is in the operations guide's table with the default PostgreSQL reports for it
# (pg_settings.boot_val, from the library's one table of settings), and the table has no other.
psql -X -At -F '|' -c "SELECT name, boot_val, coalesce(unit, ''), vartype FROM pg_settings WHERE name LIKE 'txrelay.%'" |
  python3 -c '
import re, sys
factor = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}
def seconds(text, unit):  # a documented default such as 30min, 1d, 2000 (in the unit)
    m = re.fullmatch(r"(\d+)\s*(ms|s|min|h|d)?", text)
    return None if not m else int(m.group(1)) * factor[m.group(2) or unit]
docs = {}
for line in open("docs/operations.md"):
    m = re.match(r"^\| `(txrelay\.[a-z_]+)` \| `?([^`|]*?)`? \|", line)
    if m: docs[m.group(1)] = m.group(2).strip()
bad = 0
seen = set()
for row in sys.stdin.read().splitlines():
    name, boot, unit, kind = row.split("|")
    seen.add(name)
    doc = docs.get(name)
    if doc is None:
        print("docs/operations.md: setting %s is not in the settings table" % name); bad = 1; continue
    same = seconds(doc, unit) == seconds(boot, unit) if unit in factor else doc == boot
    if not same:
        print("docs/operations.md: %s defaults to %s%s, the table says %s" % (name, boot, unit, doc)); bad = 1
for name in sorted(set(docs) - seen):
    print("docs/operations.md documents %s, which is not a setting" % name); bad = 1
sys.exit(bad)' || fail=1
exit $fail
