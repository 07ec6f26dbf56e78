#!/usr/bin/env bash
# Installs what txrelay needs on Debian 12: Debian packages with apt-get and, from the npm
# registry, anvil and cast into the project-local .tools/. Idempotent and quick when all is there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FOUNDRY_VERSION=1.7.1
PACKAGES=(
  build-essential cmake pkg-config python3 clang-14 libclang-rt-14-dev clang-format
  postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap postgresql-15-cron
  libtap-parser-sourcehandler-pgtap-perl
  libcurl4-openssl-dev nlohmann-json3-dev libsecp256k1-dev libcrypto++-dev libboost-dev
  googletest libgtest-dev libbenchmark-dev python3-prometheus-client python3-yaml python3-psycopg2
  patroni etcd-server etcd-client python3-etcd postgresql-15-auto-failover pg-auto-failover-cli tini iproute2 sqlsmith pgbackrest
  ccache debhelper postgresql-server-dev-all lintian prometheus prometheus-postgres-exporter prometheus-alertmanager pgbouncer
)
# Node.js and npm may come from outside Debian (the machines here carry nodesource's build, whose
# nodejs package includes npm and conflicts with Debian's npm): install Debian's only when absent.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Debian would create and start a '15/main' cluster on port 5432; txrelay never uses it.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  log "installing Debian packages: ${missing[*]}"
  # Packaged services (etcd, patroni, postgresql) are not started by the install: the HA tests
  # start their own on free loopback ports and stop them by PID (policy-rc.d 101 = "not now").
  policy_rc_d_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    policy_rc_d_added=1
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
  [ -n "$policy_rc_d_added" ] && as_root rm -f /usr/sbin/policy-rc.d
fi

# anvil (the chain node of the tests) and cast (independent transaction signing), pinned.
TOOLS="$TXR_ROOT/.tools"
if ! "$TOOLS/bin/anvil" --version 2>/dev/null | grep -q "$FOUNDRY_VERSION" ||
   ! "$TOOLS/bin/cast" --version 2>/dev/null | grep -q "$FOUNDRY_VERSION"; then
  log "installing anvil and cast $FOUNDRY_VERSION from the npm registry into .tools/"
  mkdir -p "$TOOLS/bin"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" \
    "@foundry-rs/anvil-linux-amd64@$FOUNDRY_VERSION" "@foundry-rs/cast-linux-amd64@$FOUNDRY_VERSION" >/dev/null
  ln -sf ../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil "$TOOLS/bin/anvil"
  ln -sf ../node_modules/@foundry-rs/cast-linux-amd64/bin/cast "$TOOLS/bin/cast"
  "$TOOLS/bin/anvil" --version >/dev/null || die "anvil does not run"
fi
# npm_pinned DIR PACKAGE VERSION: the package at exactly that version under DIR/node_modules.
npm_pinned() {
  grep -q "\"version\": \"$3\"" "$1/node_modules/$2/package.json" 2>/dev/null && return 0
  log "installing $2 $3 from the npm registry into ${1#"$TXR_ROOT"/}/"
  mkdir -p "$1"
  npm install --silent --no-audit --no-fund --prefix "$1" "$2@$3" >/dev/null
}
# node-postgres for the Node.js example that test/e2e/examples.sh runs (docs/examples/withdraw.cjs).
npm_pinned "$TOOLS" pg 8.11.3
# ethers.js: the peer sender of the pipeline benchmark (bench/pipeline.sh), and its signer of the
# pre-signed transactions that measure the node's own limit.
npm_pinned "$TOOLS" ethers 6.13.4
# ganache and Hardhat: the other node implementations the tests run (issue 19, scripts/nodes.sh),
# each in its own prefix (their dependency trees do not mix). Hardhat's node needs a project file
# in the directory it runs in.
npm_pinned "$TOOLS/ganache" ganache 7.9.2
npm_pinned "$TOOLS/hardhat" hardhat 2.22.19
[ -f "$TOOLS/hardhat/hardhat.config.js" ] ||
  echo 'module.exports = { networks: { hardhat: { chainId: 31337 } } };' >"$TOOLS/hardhat/hardhat.config.js"
log "dependencies present"
