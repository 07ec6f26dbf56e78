#!/usr/bin/env python3
"""Writes docs/monitoring/txrelay-alerts.rules.yml (Prometheus alerting rules, one per alert kind of
txrelay.alerts) and docs/monitoring/txrelay-alerts.test.yml (promtool's unit tests of them) from the
alert queries themselves (sql/src/70_alerts.sql), so that a rule says what the alert row says: the
same severity, and the same what / where to look / why it matters / what to do, with "…" where
the row fills in identifiers or amounts. With --check, fails if either file differs from what it
would write (test/docs_match.sh runs it)."""
import os
import re
import sys

SQL = "sql/src/70_alerts.sql"
RULES = "docs/monitoring/txrelay-alerts.rules.yml"
TESTS = "docs/monitoring/txrelay-alerts.test.yml"
RUNBOOK = "docs/runbook.md"


def tokens(text):
    """SQL tokens: quoted literals (with '' escapes), words, and single characters."""
    pattern = r"'(?:[^']|'')*'|--[^\n]*|\w+(?:::\w+)?|\S"
    return [t for t in re.findall(pattern, text) if not t.startswith("--")]


def columns(tokens_, count):
    """The first `count` top-level comma-separated expressions of a SELECT list."""
    out, current, depth, case = [], [], 0, 0
    for t in tokens_:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif t.upper() == "CASE":
            case += 1
        elif t.upper() == "END":
            case -= 1
        if t == "," and depth == 0 and case == 0:
            out.append(current)
            current = []
            if len(out) == count:
                return out
            continue
        current.append(t)
    return out


def literal(t):
    return t[1:-1].replace("''", "'")


def template(expr):
    """The text an expression makes, "…" standing for what the row fills in."""
    if len(expr) > 2 and expr[-2].upper() == "AS":
        expr = expr[:-2]
    if expr and expr[0].lower() == "format":
        return re.sub(r"%[sLI]", "…", literal(expr[2]))
    if expr and expr[0].upper() == "CASE":
        texts = [template(expr[i + 1:next_stop(expr, i + 1)]) for i, t in enumerate(expr) if t.upper() in ("THEN", "ELSE")]
        return "; or ".join(dict.fromkeys(texts))
    parts, depth = [], 0
    for t in expr:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif depth == 0 and t.startswith("'"):
            parts.append(literal(t))
        elif depth == 0 and t != "||" and (not parts or parts[-1] != "…"):
            parts.append("…")
    return "".join(parts).strip()


def next_stop(expr, start):
    depth = 0
    for i in range(start, len(expr)):
        if expr[i] == "(":
            depth += 1
        elif expr[i] == ")":
            depth -= 1
        elif depth == 0 and expr[i].upper() in ("WHEN", "ELSE", "END"):
            return i
    return len(expr)


def alerts():
    """(alert, [severities], what, where, why, todo) for every branch of the alert queries."""
    text = open(SQL).read()
    body = text[text.index("$alerts$") + len("$alerts$"):]
    found = []
    for branch in re.split(r"^SELECT ", body, flags=re.M)[1:]:
        cols = columns(tokens(branch), 6)
        if len(cols) < 6:
            continue
        sevs = [literal(t) for t in cols[0] if t.startswith("'") and literal(t) in ("critical", "warning")]
        names = [literal(t) for t in cols[1] if re.fullmatch(r"'[a-z_]+'", t) and literal(t) != "failed"]
        if not sevs or not names:
            continue
        texts = [template(c) for c in cols[2:6]]
        for name in names:
            found.append((name, sevs, *texts))
    return found


def camel(name):
    return "Txrelay" + "".join(p.capitalize() for p in name.split("_"))


def anchor(name):
    """The GitHub anchor of the runbook section that names the alert."""
    for line in open(RUNBOOK):
        if line.startswith("### ") and f"`{name}`" in line:
            title = line[4:].strip().lower()
            return re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-")
    sys.exit(f"{RUNBOOK}: no section for {name}")


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rules(found):
    out = ["# Prometheus alerting rules for txrelay, one per alert kind of txrelay.alerts, on the metric",
           "# txrelay_alert_open_value{alert, severity} that docs/monitoring/postgres_exporter_queries.yaml",
           "# exports. Each fires as soon as the alert row is open: txrelay.alerts already waits out its",
           "# thresholds (the txrelay.alert_* settings). The live row, with identifiers, is",
           "# SELECT * FROM txrelay.alerts WHERE alert = '<alert>'. Written by test/tools/alert_rules.py from",
           "# sql/src/70_alerts.sql; \"…\" stands for what the row fills in.",
           "groups:", "  - name: txrelay", "    rules:"]
    for name, sevs, what, where, why, todo in found:
        severity = sevs[0] if len(sevs) == 1 else "{{ $labels.severity }}"
        out += [f"      - alert: {camel(name)}",
                f"        expr: txrelay_alert_open_value{{alert=\"{name}\"}} > 0",
                "        labels:",
                f"          severity: {quoted(severity)}",
                f"          txrelay_alert: {name}",
                "        annotations:",
                f"          summary: {quoted('txrelay ' + name + ': {{ $value }} open on {{ $labels.instance }}')}",
                f"          what: {quoted(what)}",
                f"          where_to_look: {quoted(where)}",
                f"          why_it_matters: {quoted(why)}",
                f"          what_to_do: {quoted(todo)}",
                f"          runbook: {quoted(RUNBOOK + '#' + anchor(name))}"]
    return "\n".join(out) + "\n"


def tests(found):
    """For each kind: its series at 1 fires the rule with its severity; at 0 (healthy) nothing fires."""
    out = ["# promtool test rules docs/monitoring/txrelay-alerts.test.yml: each rule fires on an open alert",
           "# of its kind and severity and stays silent on a healthy series. Written by test/tools/alert_rules.py.",
           "rule_files:", "  - txrelay-alerts.rules.yml", "evaluation_interval: 15s", "tests:"]
    for name, sevs, what, where, why, todo in found:
        annotations = {"summary": f"txrelay {name}: 1 open on db1", "what": what, "where_to_look": where,
                       "why_it_matters": why, "what_to_do": todo, "runbook": f"{RUNBOOK}#{anchor(name)}"}
        for sev in sevs:
            series = f'txrelay_alert_open_value{{alert="{name}", severity="{sev}", instance="db1"}}'
            out += ["  - interval: 15s", "    input_series:",
                    f"      - series: '{series}'", "        values: '0 0 1 1 0'",
                    "    alert_rule_test:",
                    f"      - alertname: {camel(name)}", "        eval_time: 15s", "        exp_alerts: []",
                    f"      - alertname: {camel(name)}", "        eval_time: 45s", "        exp_alerts:",
                    "          - exp_labels:", f"              alert: {name}", f"              severity: {sev}",
                    "              instance: db1", f"              txrelay_alert: {name}",
                    "            exp_annotations:"] + [f"              {k}: {quoted(v)}" for k, v in annotations.items()] + [
                    f"      - alertname: {camel(name)}", "        eval_time: 60s", "        exp_alerts: []"]
    return "\n".join(out) + "\n"


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    found = alerts()
    if "--kinds" in sys.argv:  # "alert severity" lines, for test/docs_match.sh
        print("\n".join(sorted(f"{f[0]} {sev}" for f in found for sev in f[1])))
        return
    names = sorted({f[0] for f in found})
    if len(names) < 20:
        sys.exit(f"found only {len(names)} alert kinds in {SQL}: the parser is stale")
    wanted = {RULES: rules(found), TESTS: tests(found)}
    if "--check" in sys.argv:
        stale = [path for path, text in wanted.items() if open(path).read() != text]
        if stale:
            sys.exit("stale (run test/tools/alert_rules.py): " + ", ".join(stale))
        print(f"{RULES}: {len(found)} rules, up to date")
        return
    for path, text in wanted.items():
        open(path, "w").write(text)
    print(f"wrote {RULES} and {TESTS}: {len(found)} rules")


main()
