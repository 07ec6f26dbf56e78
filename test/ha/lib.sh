# A three-node PostgreSQL 15 cluster under Patroni (synchronous mode; strict unless HA_STRICT=false) over one etcd, all
# on 127.0.0.1 with small settings, for the failover tests of issue 7 (test code). Source it
# after test/e2e/lib.sh. ha_start starts etcd and the three Patroni nodes (each runs its own
# PostgreSQL with txrelay preloaded; the workers run on whichever is primary), ha_stop stops
# them by PID. The clients connect through one multi-host connection string that follows the
# primary (PGHOST/PGPORT/PGTARGETSESSIONATTRS are exported for psql and lib.sh's sql).
# Settings and pitfalls: ../shared/reference/ha-ledger-reliability.md (Patroni 3.0.2, etcd 3.4).

# HA_DCS: Patroni's client of etcd - etcd3 (the v3 API, the default) or etcd (the v2 API, etcd
# started with --enable-v2; Patroni 3.0.2 updates the leader key there with a compare-and-swap on
# its value, which its etcd3 client does not: issue 21, docs/chaos.md).
HA_DCS=${HA_DCS:-etcd3}
case $HA_DCS in etcd3 | etcd) ;; *) die "HA_DCS: etcd3 or etcd, not $HA_DCS" ;; esac
HA_DIR=""
HA_ETCD_PID=""
declare -a HA_PATRONI_PID=() HA_PG_PORT=() HA_REST_PORT=()
HA_DB=txrelay_ha

ha_start() {
  HA_DIR=$(mktemp -d /tmp/txrelay-ha.XXXXXX)
  chmod 755 "$HA_DIR"
  local etcd_client etcd_peer i
  etcd_client=$(free_port); etcd_peer=$(free_port)
  for i in 1 2 3; do HA_PG_PORT[$i]=$(free_port); HA_REST_PORT[$i]=$(free_port); mkdir -p "$HA_DIR/log$i"; done
  chown -R postgres: "$HA_DIR"
  as_pg bash -c "etcd --name e1 --data-dir '$HA_DIR/etcd' \
      --listen-client-urls http://127.0.0.1:$etcd_client --advertise-client-urls http://127.0.0.1:$etcd_client \
      --listen-peer-urls http://127.0.0.1:$etcd_peer --initial-advertise-peer-urls http://127.0.0.1:$etcd_peer \
      --initial-cluster e1=http://127.0.0.1:$etcd_peer --enable-v2=$([ "$HA_DCS" = etcd ] && echo true || echo false) \
      >'$HA_DIR/etcd.log' 2>&1 & echo \$! >'$HA_DIR/etcd.pid'"
  HA_ETCD_PID=$(cat "$HA_DIR/etcd.pid")
  for i in 1 2 3; do
    cat >"$HA_DIR/n$i.yml" <<YML
scope: txrelay
name: n$i
log: {level: WARNING, dir: $HA_DIR/log$i}
restapi: {listen: 127.0.0.1:${HA_REST_PORT[$i]}, connect_address: 127.0.0.1:${HA_REST_PORT[$i]}}
$HA_DCS: {hosts: 127.0.0.1:$etcd_client}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 0
    synchronous_mode: true
    synchronous_mode_strict: ${HA_STRICT:-true}
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      parameters:
        shared_buffers: 16MB
        max_connections: 40
        max_wal_size: 128MB
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 6
        max_replication_slots: 6
        synchronous_commit: "on"
        fsync: "off"
        shared_preload_libraries: txrelay
        txrelay.database: $HA_DB
        txrelay.require_synchronous_standby: "on"
        txrelay.idle_wake_ms: 200
        txrelay.tracker_poll_ms: 200
        txrelay.tracker_check_after_ms: 1000
        txrelay.broadcaster_backoff_base_ms: 100
        txrelay.broadcaster_backoff_cap_ms: 1000
        txrelay.tracker_backoff_base_ms: 100
        txrelay.tracker_backoff_cap_ms: 1000
        txrelay.breaker_cooldown_ms: 500
  initdb: [{encoding: UTF8}]
  pg_hba: [local all all trust, host all all 127.0.0.1/32 trust, host replication all 127.0.0.1/32 trust]
postgresql:
  listen: 127.0.0.1:${HA_PG_PORT[$i]}
  connect_address: 127.0.0.1:${HA_PG_PORT[$i]}
  data_dir: $HA_DIR/pg$i
  bin_dir: $PG_BINDIR
  pgpass: $HA_DIR/pgpass$i
  authentication: {superuser: {username: postgres, password: pw}, replication: {username: replicator, password: pw}}
  parameters: {unix_socket_directories: '$HA_DIR', log_min_messages: warning, logging_collector: "off"}
YML
    chown postgres: "$HA_DIR/n$i.yml"
    as_pg bash -c "patroni '$HA_DIR/n$i.yml' >'$HA_DIR/patroni$i.out' 2>&1 & echo \$! >'$HA_DIR/patroni$i.pid'"
    HA_PATRONI_PID[$i]=$(cat "$HA_DIR/patroni$i.pid")
  done
  export PGHOST="127.0.0.1,127.0.0.1,127.0.0.1" PGPORT="${HA_PG_PORT[1]},${HA_PG_PORT[2]},${HA_PG_PORT[3]}"
  export PGTARGETSESSIONATTRS=read-write PGCONNECT_TIMEOUT=2 PGUSER=postgres PGDATABASE=postgres
  ha_wait_healthy 120 || { tail -20 "$HA_DIR"/patroni*.out >&2; die "the Patroni cluster did not come up"; }
  psql -X -q -c "CREATE DATABASE $HA_DB" >/dev/null
  export PGDATABASE=$HA_DB
  # The commit waits for the synchronous standby's flush, not for any standby's replay. Until a
  # standby has replayed it, a connection there fails with "database does not exist" - a startup
  # error, after which libpq tries no further host - so wait until every node has the database.
  local deadline=$((SECONDS + 60))
  for i in 1 2 3; do
    until PGTARGETSESSIONATTRS=any psql -X -q -h 127.0.0.1 -p "${HA_PG_PORT[$i]}" -c "SELECT" >/dev/null 2>&1; do
      [ $SECONDS -lt $deadline ] || die "node n$i did not replay CREATE DATABASE $HA_DB within 60 s"
      sleep 0.1
    done
  done
  log "Patroni cluster up ($HA_DCS): etcd pid $HA_ETCD_PID, nodes ${HA_PATRONI_PID[*]}, PostgreSQL ports $PGPORT"
}

# The node number of the leader (REST /leader answers 200 only there), or nothing.
ha_leader() {
  local i
  for i in 1 2 3; do
    [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:${HA_REST_PORT[$i]}/leader")" = 200 ] && { echo "$i"; return; }
  done
}

# Healthy: a leader, a synchronous standby and the third member running, all on one timeline.
ha_healthy() {
  local l
  l=$(ha_leader); [ -n "$l" ] || return 1
  curl -s -m 1 "http://127.0.0.1:${HA_REST_PORT[$l]}/cluster" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
ok = [x for x in m if x.get("state") in ("running", "streaming")]
sync = [x for x in m if x.get("role") == "sync_standby"]
sys.exit(0 if len(ok) == 3 and len(sync) >= 1 and len({x.get("timeline") for x in ok}) == 1 else 1)' 2>/dev/null
}

ha_wait_healthy() {
  local deadline=$((SECONDS + $1))
  until ha_healthy; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}

ha_postmaster_pid() { head -1 "$HA_DIR/pg$1/postmaster.pid" 2>/dev/null; }

ha_stop() {
  # Every step runs whatever the one before did (a process may be gone already; errexit must
  # not cut the teardown short and leave servers behind).
  local i pm
  for i in 1 2 3; do
    if [ -n "${HA_PATRONI_PID[$i]:-}" ]; then
      kill -CONT "${HA_PATRONI_PID[$i]}" 2>/dev/null || true
      kill -TERM "${HA_PATRONI_PID[$i]}" 2>/dev/null || true
    fi
    pm=$(ha_postmaster_pid "$i" || true)
    [ -z "$pm" ] || kill -CONT "$pm" 2>/dev/null || true
  done
  for i in 1 2 3; do
    for _ in $(seq 1 100); do kill -0 "${HA_PATRONI_PID[$i]:-0}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${HA_PATRONI_PID[$i]:-0}" 2>/dev/null || true
    pm=$(ha_postmaster_pid "$i" || true)
    [ -z "$pm" ] || kill -INT "$pm" 2>/dev/null || true
  done
  sleep 1
  for i in 1 2 3; do
    pm=$(ha_postmaster_pid "$i" || true)
    [ -z "$pm" ] || kill -KILL "$pm" 2>/dev/null || true
  done
  [ -z "$HA_ETCD_PID" ] || kill -TERM "$HA_ETCD_PID" 2>/dev/null || true
  HA_PATRONI_PID=(); HA_ETCD_PID=""
  [ -z "$HA_DIR" ] || rm -rf "$HA_DIR"
  HA_DIR=""
  return 0
}
