#!/usr/bin/env python3
"""The schema in a `pg_dump --schema-only --binary-upgrade` dump, normalised for comparison (test code).

Binary-upgrade mode is the one in which pg_dump writes an extension's member objects one by one
(otherwise it writes only CREATE EXTENSION). What differs between two databases that hold the
same schema is removed: the dump's preamble and its own comments, the OIDs, relfilenodes, frozen
xids and attribute versions that binary upgrade carries (every binary_upgrade_* call, the
pg_class / pg_database UPDATEs), psql's \\restrict key, the sequences' current values (binary
upgrade writes them even with --schema-only: they are data), and dropped columns (an upgrade that
drops a column leaves an invisible slot that a fresh install does not have; the trailing commas of
column lists are dropped with them). The entries are then sorted, so that the comparison does not
depend on the order in which pg_dump happened to write them. Reads the dump on stdin.
"""
import re
import sys

GENERATED_COMMENT = re.compile(r"^--($| Name: | For binary upgrade| PostgreSQL database dump| Dumped (from|by) )")
BOOKKEEPING = [
    re.compile(r"^SELECT pg_catalog\.binary_upgrade_\w+\(.*\);\n", re.M),
    re.compile(r"^UPDATE pg_catalog\.pg_(class|database)\nSET (rel|dat)frozenxid = .*\nWHERE (oid|datname) = .*;\n", re.M),
    re.compile(r"^UPDATE pg_catalog\.pg_attribute\n.*?::pg_catalog\.regclass;\n", re.M | re.S),
    re.compile(r'^ALTER TABLE ONLY .* DROP COLUMN "\.+pg\.dropped\.\d+\.+";\n', re.M),
    re.compile(r'^ +"\.+pg\.dropped\.\d+\.+" .*\n', re.M),
    re.compile(r"^\\(un)?restrict \S+\n", re.M),
]


def entries(dump):
    """(header, body) per TOC entry; the preamble before the first entry (SET lines) is left out."""
    parts = re.split(r"^(-- Name: .*)$", dump, flags=re.M)
    for header, body in zip(parts[1::2], parts[2::2]):
        if "; Type: SEQUENCE SET;" not in header:
            yield header, body


def normalised(header, body):
    for pattern in BOOKKEEPING:
        body = pattern.sub("", body)
    lines = [l for l in body.split("\n") if l.strip() and not GENERATED_COMMENT.match(l)]
    if "; Type: TABLE;" in header:
        lines = [l.rstrip(",") for l in lines]
    return header + "\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write("".join(sorted(normalised(h, b) for h, b in entries(sys.stdin.read()))))
