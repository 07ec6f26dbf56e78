# The failover harness's common part (test code; source it after test/e2e/lib.sh): three PostgreSQL
# 15 nodes with txrelay preloaded, run by one of the HA engines compared in issue 21 (docs/chaos.md):
#   HA_ENGINE=patroni-etcd   Patroni 3.0.2 on etcd's v2 API (compare-and-swap on the leader key)
#   HA_ENGINE=patroni-etcd3  Patroni 3.0.2 on etcd's v3 API (the leader key rewritten
#                            unconditionally by a resumed leader: loses acknowledged writes)
#   HA_ENGINE=pg_auto_failover  pg_auto_failover 2.0: a monitor and one keeper per node
# ha_start brings the cluster up and exports PGHOST/PGPORT/PGTARGETSESSIONATTRS (one multi-host
# string that follows the primary); ha_stop stops every process by PID.
# An engine file defines engine_start, engine_stop, engine_logs, engine_leader, engine_healthy,
# engine_sync_standby, engine_agent_pids N (its processes on node N), and HA_LEASE_S: the seconds
# a silent leader keeps its role before the engine fails it over.
#
# Network: with HA_NETNS=on (the default where `ip netns` works) each node runs in a network
# namespace of its own, joined by a veth pair to a bridge in the core namespace, where the test
# itself, anvil and the engine's coordinator (etcd, or pg_auto_failover's monitor) run. Every
# address is a loopback one (127.0.1.0/24, route_localnet on); nothing reaches the host's
# network. ha_partition N cuts node N off from everything (its veth down), ha_heal N joins it back.
# With HA_NETNS=off everything runs on 127.0.0.1 and the partition fault is not available.

HA_ENGINE=${HA_ENGINE:-patroni-etcd}
HA_DB=txrelay_ha
HA_DIR=""
declare -a HA_ADDR=() HA_PG_PORT=()
# Addresses: the nodes' and the coordinator's (etcd, the monitor; anvil and the client run there too).
if [ -n "${HA_NS:-}" ]; then
  HA_ADDR=([1]=127.0.1.1 [2]=127.0.1.2 [3]=127.0.1.3); HA_CORE_ADDR=127.0.1.254
else
  HA_ADDR=([1]=127.0.0.1 [2]=127.0.0.1 [3]=127.0.0.1); HA_CORE_ADDR=127.0.0.1
fi

# --- network namespaces ------------------------------------------------------------------------

ha_netns_available() {
  [ "${HA_NETNS:-on}" = on ] || return 1
  ip netns add "txr$$probe" 2>/dev/null || return 1
  ip netns del "txr$$probe"
}

# ha_loopback_only NS DEV ADDR: DEV in NS gets ADDR, a loopback address routed over a link
# (route_localnet); only 127.0.0.1 stays local on lo (its own route), so 127.0.1.0/24 is reachable.
ha_loopback_only() {
  ip netns exec "$1" sysctl -qw net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$2.route_localnet=1"
  ip -n "$1" link set lo up
  ip -n "$1" route del table local local 127.0.0.0/8 dev lo
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" link set "$2" up
}

ha_netns_create() {
  local core=$1c i
  ip netns add "$core"
  ip -n "$core" link add br0 type bridge
  ha_loopback_only "$core" br0 127.0.1.254
  for i in 1 2 3; do
    ip netns add "$1n$i"
    ip -n "$core" link add "h$i" type veth peer name "v$i" netns "$1n$i"
    ip -n "$core" link set "h$i" master br0 up
    ha_loopback_only "$1n$i" "v$i" "127.0.1.$i"
  done
}

ha_netns_delete() {
  local ns
  for ns in "$1c" "$1n1" "$1n2" "$1n3"; do ip netns del "$ns" 2>/dev/null || true; done
}

# ha_run_in_namespaces SCRIPT ARGS...: runs the test script in the core namespace (it is called
# again there with HA_NS set) and deletes the namespaces when it ends; returns its status.
ha_run_in_namespaces() {
  local ns=txr$$ rc=0
  ha_netns_create "$ns" || { ha_netns_delete "$ns"; die "could not create the network namespaces"; }
  HA_NS=$ns ip netns exec "${ns}c" "$@" &
  HA_INNER_PID=$! HA_NS_PREFIX=$ns
  trap ha_namespaces_end EXIT
  trap 'exit 143' TERM INT
  wait "$HA_INNER_PID" || rc=$?
  return $rc
}
# Stopping this run stops the one inside (its own teardown stops its servers), then the namespaces
# go; a second signal (Ctrl-C reaches the whole process group) must not cut that short.
ha_namespaces_end() {
  trap '' TERM INT
  kill -TERM "$HA_INNER_PID" 2>/dev/null || true
  wait "$HA_INNER_PID" 2>/dev/null || true
  ha_netns_delete "$HA_NS_PREFIX"
}

# ha_node_exec N CMD...: runs CMD as postgres in node N's namespace (or here without namespaces).
ha_node_exec() {
  local n=$1; shift
  if [ -n "${HA_NS:-}" ]; then ip netns exec "${HA_NS}n$n" runuser -u postgres -- "$@"; else as_pg "$@"; fi
}

ha_partition() { [ -n "${HA_NS:-}" ] || die "the partition fault needs HA_NETNS=on"; ip link set "h$1" down; }
ha_heal() { ip link set "h$1" up; }
# ha_sync_standby: the node number of the synchronous standby, or nothing.
ha_sync_standby() { engine_sync_standby; }

# --- the nodes' PostgreSQL settings (one copy for every engine) ----------------------------------

# Lines "name value" for each node's postgresql.conf: small, fast to fail over, txrelay preloaded
# with its workers on the primary only and its writes held until a synchronous standby has them.
ha_pg_parameters() {
  cat <<EOT
shared_buffers 16MB
max_connections 40
max_wal_size 128MB
wal_level replica
hot_standby on
wal_log_hints on
max_wal_senders 6
max_replication_slots 6
synchronous_commit on
fsync off
wal_sender_timeout ${HA_WAL_SENDER_TIMEOUT:-5s}
wal_receiver_timeout ${HA_WAL_SENDER_TIMEOUT:-5s}
wal_retrieve_retry_interval 200ms
wal_keep_size 256MB
shared_preload_libraries txrelay
txrelay.database $HA_DB
txrelay.require_synchronous_standby on
txrelay.idle_wake_ms 200
txrelay.tracker_poll_ms 200
txrelay.tracker_check_after_ms 1000
txrelay.broadcaster_backoff_base_ms 100
txrelay.broadcaster_backoff_cap_ms 1000
txrelay.tracker_backoff_base_ms 100
txrelay.tracker_backoff_cap_ms 1000
txrelay.breaker_cooldown_ms 500
EOT
}

# --- the engine-independent part -----------------------------------------------------------------

case $HA_ENGINE in
  patroni-etcd | patroni-etcd3) . "$(dirname "${BASH_SOURCE[0]}")/engine_patroni.sh" ;;
  pg_auto_failover) . "$(dirname "${BASH_SOURCE[0]}")/engine_pg_auto_failover.sh" ;;
  *) die "HA_ENGINE: patroni-etcd, patroni-etcd3 or pg_auto_failover, not $HA_ENGINE" ;;
esac

ha_start() {
  HA_DIR=$(mktemp -d /tmp/txrelay-ha.XXXXXX)
  chmod 755 "$HA_DIR"
  local i
  for i in 1 2 3; do HA_PG_PORT[$i]=$(free_port); done
  chown -R postgres: "$HA_DIR"
  engine_start
  export PGHOST="${HA_ADDR[1]},${HA_ADDR[2]},${HA_ADDR[3]}" PGPORT="${HA_PG_PORT[1]},${HA_PG_PORT[2]},${HA_PG_PORT[3]}"
  export PGTARGETSESSIONATTRS=read-write PGCONNECT_TIMEOUT=2 PGUSER=postgres PGDATABASE=postgres
  ha_wait_healthy 180 || { engine_logs >&2; die "the $HA_ENGINE cluster did not come up"; }
  psql -X -q -c "CREATE DATABASE $HA_DB" >/dev/null
  export PGDATABASE=$HA_DB
  # The commit waits for the synchronous standby's flush, not for any standby's replay. Until a
  # standby has replayed it, a connection there fails with "database does not exist" - a startup
  # error, after which libpq tries no further host - so wait until every node has the database.
  local deadline=$((SECONDS + 60))
  for i in 1 2 3; do
    until PGTARGETSESSIONATTRS=any psql -X -q -h "${HA_ADDR[$i]}" -p "${HA_PG_PORT[$i]}" -c "SELECT" >/dev/null 2>&1; do
      [ $SECONDS -lt $deadline ] || die "node n$i did not replay CREATE DATABASE $HA_DB within 60 s"
      sleep 0.1
    done
  done
  log "$HA_ENGINE cluster up${HA_NS:+ (network namespaces ${HA_NS}*)}: PostgreSQL at $PGHOST ports $PGPORT"
}

ha_leader() { engine_leader; }
ha_healthy() { engine_healthy; }
ha_wait_healthy() {
  local deadline=$((SECONDS + $1))
  until ha_healthy; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}

ha_postmaster_pid() { head -1 "$HA_DIR/pg$1/postmaster.pid" 2>/dev/null; }
# The PostgreSQL processes of node N: the postmaster and its children.
ha_postgres_pids() {
  local pm
  pm=$(ha_postmaster_pid "$1") || return 0
  [ -n "$pm" ] || return 0
  echo "$pm $(ps -o pid= --ppid "$pm" | tr '\n' ' ')"
}
# Every process of node N: the engine's agent and its PostgreSQL.
ha_node_pids() { echo "$(engine_agent_pids "$1") $(ha_postgres_pids "$1")"; }

ha_stop() {
  # Every step runs whatever the one before did (a process may be gone already; errexit must not
  # cut the teardown short and leave servers behind).
  local i pid
  for i in 1 2 3; do
    for pid in $(ha_node_pids "$i" 2>/dev/null || true); do kill -CONT "$pid" 2>/dev/null || true; done
    [ -z "${HA_NS:-}" ] || ha_heal "$i" 2>/dev/null || true
  done
  engine_stop || true
  for i in 1 2 3; do
    pid=$(ha_postmaster_pid "$i" || true)
    [ -z "$pid" ] || kill -INT "$pid" 2>/dev/null || true
  done
  sleep 1
  for i in 1 2 3; do
    pid=$(ha_postmaster_pid "$i" || true)
    [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  done
  [ -z "$HA_DIR" ] || [ -n "${HA_KEEP:-}" ] || rm -rf "$HA_DIR"
  HA_DIR=""
  return 0
}
