#!/usr/bin/env python3
"""Fuzzes the whole SQL surface of txrelay (issue 18): random calls of every public function with
hostile values of each argument's type, as a superuser and as each txrelay role, for a time budget.

Every call runs as its own transaction on a second connection (dblink, txrelay_test.run_elsewhere)
against the test database of the PG* environment, which has the pgTAP helpers and a fixture.
Checked for every call:
  - the server is still up (no crash, no backend lost);
  - a refusal carries a SQLSTATE that docs/sql-api.md documents (or 42501, permission denied, for
    a role the function is not granted to) and changed no row of any txrelay table;
  - no call runs past the statement timeout (a hang is a finding).
After the run: verify_ledger(true) finds nothing, whatever the successful calls wrote.

Usage: sql_surface.py SECONDS [SEED]   (prints a summary; exits 1 on any finding)
"""
import collections
import json
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = [None, "txrelay_app", "txrelay_approver", "txrelay_operator", "txrelay_auditor", "txrelay_depositor"]


def psql(sql, check=True):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"], input=sql, text=True,
                       capture_output=True)
    if check and r.returncode != 0:
        sys.exit("psql failed: %s\n%s" % (r.stderr[-2000:], sql[:2000]))
    return r.stdout


def documented_sqlstates():
    text = open(os.path.join(ROOT, "docs/sql-api.md")).read()
    block = re.search(r"<!-- sqlstates -->(.*?)<!-- /sqlstates -->", text, re.S).group(1)
    return set(re.findall(r"^\| `([0-9A-Z]{5})`", block, re.M)) | {"42501"}


# Hostile values per argument type: SQL expressions of exactly that type, so that PostgreSQL never
# refuses the literal itself and every refusal is the function's.
TEXTS = [
    "NULL", "''", "'   '", "E'\\t\\n'", "repeat('a', 256)", "repeat('a', 2001)", "repeat('x', 8193)",
    "repeat('y', 1048576)", "E'a\\u202eb'", "E'k\\u200b'", "E'\\u0085'", "E'\\U000E0041'", "E'\\uFEFF'",
    "'İı'", "'😀'", "E'e\\u0301'", "'''; DROP TABLE txrelay.ledger_entries; --'", "'%s%n%x'", "'{}'",
    "'ETH'", "'eth'", "'USDC'", "'alice'", "'bob'", "'standard'", "'small'", "'paused'", "'active'",
    "'quarantined'", "'finalized'", "'safe'", "'included:1'", "'tags'", "'depth'", "'anvil-signer'",
    "'0x70997970C51812dc3A010C7d01b50e0d17dc79C8'", "'0x70997970c51812dc3a010c7d01b50e0d17dc79c8'",
    "'0x0000000000000000000000000000000000000000'", "'0x' || repeat('f', 40)", "'0x' || repeat('ab', 32)",
    "'0x'", "'0xzz'", "'1:2'", "'0:0'", "'99999999999999999999:1'", "'http://127.0.0.1:8545'",
    "'http://169.254.169.254/'", "'http://[fe80::1]/'", "'https://h/${K}'", "'https://h/${'", "'file:///etc/passwd'",
    "'http://u:p@127.0.0.1:1/' || repeat('p', 3000)", "'deposit:0x' || repeat('ab', 32) || ':0'", "'txrelay:auto:x'",
]
BIGINTS = ["NULL", "0", "-1", "1", "70", "31337", "9223372036854775807", "(-9223372036854775807 - 1)",
           "9223372036854775771", "9223372036854775772", "4503599627370496"]
INTS = ["NULL", "0", "-1", "1", "18", "77", "78", "10000", "10001", "2147483647", "(-2147483647 - 1)"]
NUMERICS = ["NULL", "0::numeric", "(-1)::numeric", "1::numeric", "0.5", "'NaN'::numeric", "'Infinity'::numeric",
            "'-Infinity'::numeric", "2::numeric ^ 256", "2::numeric ^ 256 - 1", "0.000000000000000001",
            "10::numeric ^ 1000", "1000000::numeric", "1000000000000000000::numeric"]
UUIDS = ["NULL", "gen_random_uuid()", "'00000000-0000-0000-0000-000000000000'::uuid",
         "(SELECT withdrawal_id FROM txrelay.withdrawals ORDER BY random() LIMIT 1)",
         "(SELECT signature_request_id FROM txrelay.signature_requests ORDER BY random() LIMIT 1)"]
BYTEAS = ["NULL", "'\\x'::bytea", "'\\x00'::bytea", "'\\xc0'::bytea", "'\\x02'::bytea", "'\\x02c0'::bytea",
          "'\\xf8ffffffffffffffff'::bytea", "decode(repeat('01', 131073), 'hex')", "decode(repeat('c1', 5000), 'hex')",
          "'\\x02' || decode(repeat('c0', 9000), 'hex')", "decode(md5(random()::text), 'hex')", "sha256(random()::text::bytea)",
          "(SELECT raw FROM txrelay_test.signed ORDER BY random() LIMIT 1)"]
JSONBS = ["NULL", "'{}'::jsonb", "'[]'::jsonb", "'\"s\"'::jsonb", "'null'::jsonb", "'1'::jsonb",
          "repeat('[', 1000)::text || repeat(']', 1000)", "jsonb_build_object('k', repeat('v', 20000))",
          "jsonb_build_object('k', repeat('v', 8000))", "'{\"a\": {\"b\": [1, 2, {\"c\": null}]}}'::jsonb"]
BOOLS = ["NULL", "true", "false"]
VALUES = {"text": TEXTS, "bigint": BIGINTS, "integer": INTS, "numeric": NUMERICS, "uuid": UUIDS,
          "bytea": BYTEAS, "jsonb": JSONBS, "boolean": BOOLS}


def value(rng, type_name):
    v = rng.choice(VALUES[type_name])
    if type_name == "jsonb" and v.startswith("repeat("):
        return "(%s)::jsonb" % v
    return v


def functions():
    rows = psql("""SELECT proname, coalesce(array_to_string(ARRAY(
                   SELECT format_type(t, NULL) FROM unnest(proargtypes) t), ','), ''), pronargdefaults
                   FROM pg_proc WHERE pronamespace = 'txrelay'::regnamespace AND proname !~ '^_'
                   ORDER BY 1""")
    out = []
    for line in rows.splitlines():
        name, types, ndefaults = line.split("|")
        out.append((name, [t for t in types.split(",") if t], int(ndefaults)))
    return out


HELPERS = r"""
CREATE TABLE IF NOT EXISTS txrelay_test.fuzz_log (
  n int, role text, fn text, call text, state text, message text, changed boolean, ms numeric);
CREATE OR REPLACE FUNCTION txrelay_test.fuzz_call(n int, role text, fn text, call text) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
  before text := txrelay_test.snapshot();
  r record;
  t0 timestamptz := clock_timestamp();
  -- (PERFORM in a DO block: dblink_exec takes no statement that returns rows)
  body text := format('DO $call$ BEGIN PERFORM %s; END $call$', call);
  wrapped text := CASE WHEN role IS NULL THEN body
                       ELSE format('BEGIN; SET LOCAL ROLE %I; %s; COMMIT', role, body) END;
BEGIN
  r := txrelay_test.run_elsewhere(wrapped);
  IF r.state <> '00000' AND role IS NOT NULL THEN
    BEGIN PERFORM dblink_exec('txrelay_test_conn', 'ROLLBACK'); EXCEPTION WHEN OTHERS THEN NULL; END;
  END IF;
  INSERT INTO txrelay_test.fuzz_log VALUES (n, role, fn, call, r.state, left(r.message, 300),
    r.state <> '00000' AND txrelay_test.snapshot() IS DISTINCT FROM before,
    round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1));
END
$f$;
"""


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else int(time.time())
    rng = random.Random(seed)
    allowed = documented_sqlstates()
    psql("ALTER DATABASE %s SET statement_timeout = '10s'" % os.environ.get("PGDATABASE", "txrelay_test"))
    psql(HELPERS + "TRUNCATE txrelay_test.fuzz_log;")
    fns = functions()
    print("# fuzzing %d functions for %.0f s, seed %d" % (len(fns), seconds, seed))
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        batch = []
        for _ in range(40):
            name, types, ndefaults = rng.choice(fns)
            # Sometimes leave out arguments that have defaults.
            count = len(types) - rng.randint(0, ndefaults) if ndefaults and rng.random() < 0.3 else len(types)
            args = [value(rng, t) for t in types[:count]]
            call = "txrelay.%s(%s)" % (name, ", ".join(args))
            role = None if rng.random() < 0.5 else rng.choice(ROLES[1:])
            n += 1
            batch.append("SELECT txrelay_test.fuzz_call(%d, %s, '%s', $fz$%s$fz$);" %
                         (n, "NULL" if role is None else "'%s'" % role, name, call))
        r = subprocess.run(["psql", "-X", "-q", "-At"], input="\n".join(batch), text=True, capture_output=True)
        if r.returncode != 0 or "server closed the connection" in r.stderr:
            print("the server failed during batch ending at call %d:\n%s" % (n, r.stderr[-3000:]))
            sys.exit(1)
    findings = []
    rows = json.loads(psql("SELECT coalesce(json_agg(json_build_array(coalesce(role, 'superuser'), fn, state, "
                           "changed, call, coalesce(message, '')) ORDER BY n), '[]') FROM txrelay_test.fuzz_log"))
    states = collections.Counter()
    per_fn = collections.Counter()
    for role, fn, state, changed, call, message in rows:
        states[state] += 1
        per_fn[fn] += 1
        if state != "00000" and state not in allowed:
            findings.append("undocumented SQLSTATE %s (%s) as %s: %s" % (state, message, role, call[:300]))
        if changed:
            findings.append("refused (%s) yet rows changed, as %s: %s" % (state, role, call[:300]))
        if state == "57014":
            findings.append("hang (statement timeout) as %s: %s" % (role, call[:300]))
    problems = psql("SELECT count(*) FROM txrelay.verify_ledger(true)").strip()
    if problems != "0":
        findings.append("verify_ledger(true) reports %s problem(s) after the run" % problems)
    psql("ALTER DATABASE %s RESET statement_timeout" % os.environ.get("PGDATABASE", "txrelay_test"))
    total = sum(states.values())
    print("# %d calls of %d functions (%s), outcomes: %s" % (
        total, len(per_fn), ", ".join("%s %d" % kv for kv in sorted(per_fn.items())),
        ", ".join("%s %d" % kv for kv in states.most_common())))
    if total < 100 or len(per_fn) < len(fns) // 2:
        findings.append("too few calls (%d) or functions (%d of %d) to mean anything" % (total, len(per_fn), len(fns)))
    for f in findings[:30]:
        print("FINDING: " + f)
    print("# %d finding(s)" % len(findings))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
