#!/usr/bin/env bash
# The house rules that a compiler does not check (DESIGN §9, §10; issue 16), over the tracked
# files; no server needed. Each rule prints what breaks it; the script fails if any does.
#   1. every C++ file is clang-formatted (.clang-format);
#   2. only src/store/ writes txrelay's tables: no INSERT / UPDATE / DELETE / TRUNCATE of a
#      txrelay table, nor a call of a writing SQL function, anywhere else in src/ or bgworker/;
#   3. no list of withdrawal statuses spelled out in the C++ but in the one definition
#      (src/core/withdrawal_status.cpp, status_sets.cpp); the SQL side is test/pgtap/160;
#   4. includes run one way: core <- pg <- store <- api / bgworker; api and bgworker never include
#      each other; core includes no PostgreSQL header;
#   5. no function in src/ or bgworker/ is longer than 60 lines (test/function_length.py).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
rule() { echo "lint: $1"; fail=1; }
cpp=$(git ls-files '*.cpp' '*.hpp')
product=$(git ls-files 'src/*.cpp' 'src/*.hpp' 'bgworker/*.cpp' 'bgworker/*.hpp')

# 1
if ! out=$(clang-format --dry-run --Werror $cpp 2>&1); then
  rule "not clang-formatted (run clang-format -i on them):"
  grep -oE '^[^:]+\.(cpp|hpp)' <<<"$out" | sort -u | sed 's/^/  /'
fi

# 2
code_only() { grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*)' || true; }  # drop comment lines
writes=$(grep -nE '\b(INSERT[[:space:]]+INTO|UPDATE|DELETE[[:space:]]+FROM|TRUNCATE)[[:space:]]+(ONLY[[:space:]]+)?txrelay\.|txrelay\.(_add_note|_enqueue_sign|submit_signed|take_ledger_checkpoint)\(' \
           $(grep -v '^src/store/' <<<"$product") | code_only || true)
[ -z "$writes" ] || { rule "a write of a txrelay table outside src/store/:"; sed 's/^/  /' <<<"$writes"; }

# 3
S='requested|approved|signed|broadcasted|included|safe|finalized|reorged|failed|rejected|cancelled|replaced_externally'
# A list: two statuses opening a braced or parenthesised list ({"a", "b"}, IN ('a', 'b')), or
# three in a row; a (from, to) pair of a status move is not one.
Q="[\"']($S)[\"']"
lists=$(grep -nE "[({][[:space:]]*$Q[[:space:]]*,[[:space:]]*$Q|$Q[[:space:]]*,[[:space:]]*$Q[[:space:]]*,[[:space:]]*$Q" \
          $(grep -vE '^src/core/(withdrawal_status|status_sets)\.cpp$' <<<"$product") | code_only || true)
[ -z "$lists" ] || { rule "a list of statuses outside core's status sets (use StatusSet / StatusArraySql):"; sed 's/^/  /' <<<"$lists"; }

# 4
includes() {  # includes FROM-GLOB PATTERN: lines of files under FROM that include PATTERN
  grep -nE "#include[[:space:]]*[\"<]($2)" $(git ls-files "$1") 2>/dev/null || true
}
check_includes() {
  local found
  found=$(includes "$1" "$2")
  [ -z "$found" ] || { rule "$3:"; sed 's/^/  /' <<<"$found"; }
}
check_includes 'src/core/*' 'pg/|store/|api/|bgworker/|postgres|fmgr|funcapi|utils/|executor/|access/|catalog/' \
  "src/core/ includes PostgreSQL or another layer"
check_includes 'src/pg/*' 'store/|api/|bgworker/' "src/pg/ includes a layer above it"
check_includes 'src/store/*' 'api/|bgworker/' "src/store/ includes a layer above it"
check_includes 'src/api/*' 'bgworker/' "src/api/ includes bgworker/ (they meet through core, pg, store and tables)"
check_includes 'bgworker/*' 'api/' "bgworker/ includes src/api/"

# 5
if ! long=$(python3 test/function_length.py 60 $(grep -E '\.cpp$|\.hpp$' <<<"$product")); then
  rule "functions longer than 60 lines (split them into named steps):"
  sed 's/^/  /' <<<"$long"
fi

[ "$fail" -eq 0 ] && echo "lint: clang-format, one writer, status sets, includes, function lengths: clean"
exit $fail
