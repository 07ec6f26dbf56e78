# The Patroni engine of the failover harness (test code; sourced by test/ha/lib.sh): Patroni 3.0.2
# (Debian 12's) over one etcd 3.4 member, synchronous mode (strict unless HA_STRICT=false), the
# leader lease and loop tuned for fast failover within what stays safe (docs/chaos.md):
#   ttl 10 s, loop_wait 1 s, retry_timeout 3 s: loop_wait + 2 x retry_timeout <= ttl, the rule
#   Patroni 3.2 enforces (a cycle's two DCS calls each bounded by retry_timeout), so a leader that
#   cannot reach etcd demotes itself before its key expires.
#   No replication slots: a promoted node creates them only in its next cycle, and strict mode held
#   every write until a standby streamed (2 s); wal_keep_size (ha_pg_parameters) instead.
#   primary_start_timeout 0: a killed postmaster fails over (about 2 s) rather than restarting in
#   place (4.5-6 s here: crash recovery, then the standbys reconnect).
# HA_ENGINE=patroni-etcd uses the v2 API (etcd with --enable-v2), where Patroni 3.0.2 updates the
# leader key with a compare-and-swap on its value; patroni-etcd3 uses the v3 API, where it does not.
# Settings and pitfalls: ../shared/reference/ha-ledger-reliability.md.

HA_DCS=${HA_ENGINE#patroni-}
HA_TTL=${HA_TTL:-10}
HA_LOOP_WAIT=${HA_LOOP_WAIT:-1}
HA_RETRY_TIMEOUT=${HA_RETRY_TIMEOUT:-3}
HA_LEASE_S=$HA_TTL
HA_ETCD_PID=""
declare -a HA_PATRONI_PID=() HA_REST_PORT=()

engine_etcd_start() {
  local client peer
  client=$(free_port); peer=$(free_port)
  as_pg bash -c "etcd --name e1 --data-dir '$HA_DIR/etcd' \
      --listen-client-urls http://$HA_CORE_ADDR:$client --advertise-client-urls http://$HA_CORE_ADDR:$client \
      --listen-peer-urls http://$HA_CORE_ADDR:$peer --initial-advertise-peer-urls http://$HA_CORE_ADDR:$peer \
      --initial-cluster e1=http://$HA_CORE_ADDR:$peer --enable-v2=$([ "$HA_DCS" = etcd ] && echo true || echo false) \
      >'$HA_DIR/etcd.log' 2>&1 & echo \$! >'$HA_DIR/etcd.pid'"
  HA_ETCD_PID=$(cat "$HA_DIR/etcd.pid")
  HA_ETCD_HOST=$HA_CORE_ADDR:$client
}

# engine_patroni_yaml N: node N's configuration.
engine_patroni_yaml() {
  local i=$1
  cat <<YML
scope: txrelay
name: n$i
log: {level: ${HA_PATRONI_LOG:-WARNING}, dir: $HA_DIR/log$i}
restapi: {listen: ${HA_ADDR[$i]}:${HA_REST_PORT[$i]}, connect_address: ${HA_ADDR[$i]}:${HA_REST_PORT[$i]}}
$HA_DCS: {hosts: $HA_ETCD_HOST}
bootstrap:
  dcs:
    ttl: $HA_TTL
    loop_wait: $HA_LOOP_WAIT
    retry_timeout: $HA_RETRY_TIMEOUT
    maximum_lag_on_failover: 0
    synchronous_mode: true
    synchronous_mode_strict: ${HA_STRICT:-true}
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: ${HA_USE_SLOTS:-false}
      parameters:
$(ha_pg_parameters | awk '{printf "        %s: \"%s\"\n", $1, $2}')
  initdb: [{encoding: UTF8}]
  pg_hba: [local all all trust, host all all 127.0.0.0/8 trust, host replication all 127.0.0.0/8 trust]
postgresql:
  listen: ${HA_ADDR[$i]}:${HA_PG_PORT[$i]}
  connect_address: ${HA_ADDR[$i]}:${HA_PG_PORT[$i]}
  data_dir: $HA_DIR/pg$i
  bin_dir: $PG_BINDIR
  pgpass: $HA_DIR/pgpass$i
  authentication: {superuser: {username: postgres, password: pw}, replication: {username: replicator, password: pw}}
  parameters: {unix_socket_directories: '$HA_DIR', log_min_messages: warning, logging_collector: "off"}
YML
}

engine_start() {
  local i
  engine_etcd_start
  for i in 1 2 3; do
    HA_REST_PORT[$i]=$(free_port)
    mkdir -p "$HA_DIR/log$i"
    engine_patroni_yaml "$i" >"$HA_DIR/n$i.yml"
    chown -R postgres: "$HA_DIR/log$i" "$HA_DIR/n$i.yml"
    # Patroni double-forks the postmaster, whose parent becomes the reaper of orphans: systemd on a
    # real host reaps at once, and Patroni sees a killed postmaster as gone only once it is reaped.
    # tini -s stands in for it here (a container's first process may reap late).
    ha_node_exec "$i" bash -c "tini -s -- patroni '$HA_DIR/n$i.yml' >'$HA_DIR/patroni$i.out' 2>&1 & echo \$! >'$HA_DIR/patroni$i.pid'"
    HA_PATRONI_PID[$i]=$(cat "$HA_DIR/patroni$i.pid")
  done
}

engine_logs() { tail -20 "$HA_DIR"/patroni*.out; }

# The node number of the leader (REST /leader answers 200 only there), or nothing.
engine_leader() {
  local i
  for i in 1 2 3; do
    [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://${HA_ADDR[$i]}:${HA_REST_PORT[$i]}/leader")" = 200 ] && { echo "$i"; return; }
  done
}

# Healthy: a leader, a synchronous standby and the third member running, all on one timeline.
engine_healthy() {
  local l
  l=$(engine_leader); [ -n "$l" ] || return 1
  curl -s -m 1 "http://${HA_ADDR[$l]}:${HA_REST_PORT[$l]}/cluster" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)["members"]
ok = [x for x in m if x.get("state") in ("running", "streaming")]
sync = [x for x in m if x.get("role") == "sync_standby"]
sys.exit(0 if len(ok) == 3 and len(sync) >= 1 and len({x.get("timeline") for x in ok}) == 1 else 1)' 2>/dev/null
}

# tini and Patroni (tini's child) of node N.
engine_agent_pids() {
  [ -n "${HA_PATRONI_PID[$1]:-}" ] || return 0
  echo "${HA_PATRONI_PID[$1]} $(ps -o pid=,comm= --ppid "${HA_PATRONI_PID[$1]}" | awk '$2 != "postgres" {print $1}' | tr '\n' ' ')"
}

engine_stop() {
  local i pid pids=() alive
  for i in 1 2 3; do pids+=($(engine_agent_pids "$i")); done
  # tini passes the TERM on to Patroni, which stops its PostgreSQL; whatever is left after 10 s
  # (a Patroni stuck on its etcd client) is killed.
  for i in 1 2 3; do [ -z "${HA_PATRONI_PID[$i]:-}" ] || kill -TERM "${HA_PATRONI_PID[$i]}" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ -z "$HA_ETCD_PID" ] || stop_pid "$HA_ETCD_PID"
  HA_PATRONI_PID=(); HA_ETCD_PID=""
}

engine_sync_standby() {
  local l
  l=$(engine_leader); [ -n "$l" ] || return 0
  curl -s -m 1 "http://${HA_ADDR[$l]}:${HA_REST_PORT[$l]}/cluster" | /usr/bin/python3 -c '
import json, sys
print(next((x["name"][1:] for x in json.load(sys.stdin)["members"] if x.get("role") == "sync_standby"), ""))' 2>/dev/null || true
}
