#!/usr/bin/env bash
# install.sh DEB: installs txrelay from its Debian package the way a DBA does (apt-get install
# ./DEB), on a PostgreSQL 15 holding no other copy of it: txrelay files a `make install` left
# (owned by no package) are removed first, so every later test loads only what the package put
# there. Then checks that each txrelay file of PostgreSQL 15 belongs to the package and is
# byte for byte what the package holds (dpkg --verify).
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
deb=$(realpath "$1")
[ -f "$deb" ] || die "no package at $1"
pkglib=$("$PG_BINDIR/pg_config" --pkglibdir)
share=$("$PG_BINDIR/pg_config" --sharedir)/extension
files() { ls -d "$pkglib"/txrelay.so "$pkglib"/bitcode/txrelay* "$share"/txrelay* 2>/dev/null || true; }

for f in $(files); do
  dpkg -S "$f" >/dev/null 2>&1 || { as_root rm -rf "$f"; log "removed $f (not from a package)"; }
done
out=$(as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --allow-downgrades \
  --reinstall "$deb" 2>&1) || { echo "$out" >&2; die "apt-get install $deb failed"; }
name=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-query -W -f='${Version}' "$name")" = "$version" ] || die "$name $version is not what dpkg says is installed"
for f in $(files); do
  [ "$(dpkg -S "$f" 2>/dev/null | cut -d: -f1)" = "$name" ] || die "$f does not come from $name"
done
changed=$(dpkg --verify "$name" || true)
[ -z "$changed" ] || die "installed files differ from the package: $changed"
log "installed $name $version from $deb: $(files | wc -l) files, all from the package and unchanged"
