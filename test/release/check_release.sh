#!/usr/bin/env bash
# The release line holds (DESIGN §10, "Releases"); no server needed, run after `make`:
#   a. every released install script is frozen: it matches its hash in sql/released.sha256 and,
#      where the clone has the release's tag (vX.Y.Z), the script of that tag;
#   b. the install script of this version is exactly sql/src/*.sql concatenated in name order
#      (an edit to the built script alone is caught), and git does not track it;
#   b'. every upgrade script not yet released is built from sql/upgrade/ (its includes expanded);
#   c. every released version updates to this one through the upgrade scripts, and this version
#      is not a released one (its built script would overwrite the frozen one);
#   d. the Makefile's EXTVERSION, the control file's default_version and META.json agree.
# Every script in sql/ also opens with the \echo ... \quit guard.
set -euo pipefail
cd "$(dirname "$0")/../.."

checks=0
failed=0
check() {  # check "what" command...: one numbered line, ok or not ok
  local what=$1
  shift
  checks=$((checks + 1))
  if "$@"; then echo "ok $checks - $what"; else failed=$((failed + 1)); echo "not ok $checks - $what"; fi
}
in_git=0
git rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=1

# d. One version everywhere.
version=$(sed -nE 's/^EXTVERSION[[:space:]]*=[[:space:]]*([^[:space:]]+)[[:space:]]*$/\1/p' Makefile)
control=$(sed -nE "s/^default_version[[:space:]]*=[[:space:]]*'([^']+)'.*/\1/p" txrelay.control)
meta=$(python3 -c 'import json; m = json.load(open("META.json")); p = m["provides"]["txrelay"]; print(m["version"], p["version"], p["file"])')
same_version() { [ -n "$version" ] && [ "$control" = "$version" ] && [ "$meta" = "$version $version sql/txrelay--$version.sql" ]; }
listed() { grep -q "\"$version\"" bgworker/schema_versions.hpp; }
check "bgworker/schema_versions.hpp lists $version among the schemas the workers run with" listed
check "one version: Makefile EXTVERSION '$version', txrelay.control default_version '$control', META.json (version, provides version, file) '$meta'" \
  same_version

# a. Released scripts are frozen. The released versions: those recorded, and those tagged here.
released=$(sed -nE 's/^[0-9a-f]{64}  sql\/txrelay--([0-9][^-]*)\.sql$/\1/p' sql/released.sha256)
well_formed() { [ -n "$released" ] && [ "$(wc -l <sql/released.sha256)" = "$(wc -l <<<"$released")" ]; }
check "sql/released.sha256 records released scripts, one 'sha256  sql/txrelay--X.Y.Z.sql' line each ($(echo $released))" \
  well_formed
tagged=""
if [ "$in_git" = 1 ]; then
  for tag in $(git tag --list 'v[0-9]*'); do
    v=${tag#v}
    git cat-file -e "$tag:sql/txrelay--$v.sql" 2>/dev/null && tagged="$tagged $v"
  done
fi
matches_recorded() { [ -n "$1" ] && sha256sum --quiet --status -c <(echo "$1") 2>/dev/null; }
for v in $(printf '%s\n' $released $tagged | sort -uV); do
  script=sql/txrelay--$v.sql
  check "$script is frozen: its sha256 is the one recorded in sql/released.sha256" \
    matches_recorded "$(grep "  $script\$" sql/released.sha256 || true)"
  if [[ " $tagged " == *" $v "* ]]; then
    check "$script is byte for byte the one of tag v$v" cmp -s <(git show "v$v:$script") "$script"
  fi
done

# b. The built script is its source set, and only a build product.
built=sql/txrelay--$version.sql
sources=$(find sql/src -maxdepth 1 -name '*.sql' | LC_ALL=C sort)
is_concatenation() { [ -n "$sources" ] && [ -f "$built" ] && cat $sources | cmp -s - "$built"; }
check "$built is exactly sql/src/*.sql concatenated in name order ($(wc -l <<<"$sources") files; run make if it is missing)" \
  is_concatenation
untracked() { ! git ls-files --error-unmatch "$1" >/dev/null 2>&1; }
[ "$in_git" = 1 ] && check "$built is built, not tracked by git (.gitignore)" untracked "$built"

# b'. Upgrade scripts not yet released are built from sql/upgrade/: each is exactly its source
# with the includes expanded, and only a build product.
for src in sql/upgrade/txrelay--*--*.sql; do
  [ -f "$src" ] || continue
  out=sql/${src#sql/upgrade/}
  is_expansion() { [ -f "$2" ] && ./scripts/sql_include.sh "$1" | cmp -s - "$2"; }
  check "$out is exactly $src with its includes expanded (run make if it is missing)" is_expansion "$src" "$out"
  [ "$in_git" = 1 ] && check "$out is built, not tracked by git (.gitignore)" untracked "$out"
done
# Every released script (install or upgrade) recorded in sql/released.sha256 is unchanged.
check "every script recorded in sql/released.sha256 is unchanged" sha256sum --quiet --status -c sql/released.sha256

# c. An update path from every released version to this one.
unreleased() { [[ " $(echo $released $tagged) " != *" $version "* ]]; }
check "this version ($version) is not a released one: a release moves EXTVERSION on" unreleased
edges=$(find sql -maxdepth 1 -name 'txrelay--*--*.sql' | sed -E 's/^sql\/txrelay--(.+)--(.+)\.sql$/\1 \2/')
for v in $(printf '%s\n' $released $tagged | sort -uV); do
  reached=" $v "
  frontier=$v
  while [ -n "$frontier" ]; do
    next=""
    for from in $frontier; do
      for to in $(awk -v f="$from" '$1 == f {print $2}' <<<"$edges"); do
        [[ "$reached" == *" $to "* ]] || { reached="$reached$to "; next="$next $to"; }
      done
    done
    frontier=$next
  done
  check "released $v updates to $version through sql/txrelay--A--B.sql scripts" test "${reached/ $version /}" != "$reached"
done

# Every script opens with the guard that stops psql from running it by hand.
for f in sql/src/00_*.sql sql/txrelay--*.sql; do
  [ -f "$f" ] || continue
  check "$f has the \\echo ... \\quit guard" grep -qE '^\\echo Use "(CREATE|ALTER) EXTENSION txrelay[^"]*" to load this file\. \\quit$' "$f"
done

echo "# $checks checks, $failed failed"
[ "$failed" -eq 0 ]
