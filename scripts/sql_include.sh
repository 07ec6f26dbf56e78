#!/usr/bin/env bash
# Prints an upgrade script's source (sql/upgrade/*.sql) with each "-- @include FILE" line replaced
# by FILE's text: the Makefile builds the installed upgrade script with it, and
# test/release/check_release.sh checks the built one against it. FILE is relative to the top of
# the repository; a missing one is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
while IFS= read -r line || [ -n "$line" ]; do
  if [[ "$line" =~ ^--\ @include\ (sql/src/[A-Za-z0-9_.-]+\.sql)$ ]]; then
    file=${BASH_REMATCH[1]}
    [ -f "$file" ] || { echo "sql_include.sh: $1 includes $file, which does not exist" >&2; exit 1; }
    cat "$file"
  else
    printf '%s\n' "$line"
  fi
done <"$1"
