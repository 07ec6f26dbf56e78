#!/usr/bin/env bash
# make deb [DEB_REF=v0.1.0]: the Debian package postgresql-15-txrelay, built as Debian builds
# PostgreSQL extensions (debhelper with pg_buildext, debian/), into dist/; lintian must find no
# error in it. Without a ref the package is built from the working tree's tracked files (what
# `git ls-files` lists, as they are now); with one, from that commit or tag, with today's debian/
# (released tags predate it) and its changelog cut at that version's entry.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
use_ccache

ref=${1:-}
version=$( (if [ -n "$ref" ]; then git show "$ref:Makefile"; else cat Makefile; fi) | sed -n 's/^EXTVERSION *= *//p')
[ -n "$version" ] || die "no EXTVERSION in ${ref:-the working tree}'s Makefile"
grep -q "^txrelay ($version-" debian/changelog || die "debian/changelog has no entry for $version"

work=dist/build/txrelay-$version
rm -rf "$work" && mkdir -p "$work"
if [ -n "$ref" ]; then
  git archive "$ref" | tar -x -C "$work"
else
  git ls-files -z | tar --null -T - -c | tar -x -C "$work"
fi
rm -rf "$work/debian" && cp -r debian "$work/debian"
sed -n "/^txrelay ($version-/,\$p" debian/changelog >"$work/debian/changelog"
# Documents an older tree does not have yet are left out of its package.
(cd "$work" && while read -r doc; do [ ! -e "$doc" ] || echo "$doc"; done <../../../debian/docs >debian/docs)

log "building postgresql-15-txrelay $version (${ref:-working tree}) in $work"
(cd "$work" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc >../build-"$version".log 2>&1) ||
  { tail -40 "dist/build/build-$version.log" >&2; die "dpkg-buildpackage failed (dist/build/build-$version.log)"; }
deb=$(ls dist/build/postgresql-15-txrelay_"$version"-*_*.deb)
mv "$deb" dist/
deb=dist/${deb##*/}
lintian --fail-on error --suppress-tags-from-file /dev/null "$deb" || die "lintian found errors in $deb"
log "built $deb"
