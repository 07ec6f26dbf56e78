#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: installs what is missing, builds and
# installs txrelay, starts a throwaway PostgreSQL 15 cluster (pg_cron + txrelay preloaded) and
# runs the SQL flow of scripts/demo.sql from a deposit to an approved withdrawal with its nonce
# and signature request. The cluster is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh

./scripts/deps.sh
log "building and installing txrelay"
make -s -j"$(nproc)" >/dev/null
as_root make -s install >/dev/null

trap cluster_stop EXIT
cluster_start txrelay_demo
psql -X -v VERBOSITY=default -f scripts/demo.sql 2>&1
log "demo finished"
