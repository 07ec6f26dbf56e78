# The pg_auto_failover engine of the failover harness (test code; sourced by test/ha/lib.sh):
# pg_auto_failover 2.0 (Debian 12's). A monitor (a PostgreSQL of its own with the pgautofailover
# extension, in the core namespace) runs the state machine; one keeper (`pg_autoctl run`: a
# supervisor with a node-active and a postgres-controller child, the postmaster under the latter)
# per node. n1 is created first and becomes the primary; n2 and n3 are cloned from it with
# pg_basebackup. number_sync_standbys 1 and every node in the replication quorum, so a primary in
# state "primary" has synchronous_standby_names 'ANY 1 (pgautofailover_standby_x, _y)'.
# Failover timing, tuned from the defaults (probes every 5 s, 5 s timeout, 2 retries 2 s apart,
# unhealthy after 20 s, demote timeout 30 s; keeper partition timeout 20 s) to: probes every 1 s
# (1 s timeout, 2 retries 0.5 s apart); a node is unhealthy once it failed them and its keeper has
# not reported for 5 s; a primary's keeper stops PostgreSQL once it has seen neither the monitor
# nor a standby for 3 s; the monitor gives an unhealthy primary 15 s more before the new primary
# takes writes - longer than the 17 s a cut-off primary can need to stop itself, counted from the
# same last contact (engine_check_timings, which also refuses unsafe overrides).
# What 2.0 does (read in its source, seen in runs here):
#   - kill -9 of a primary's postmaster: the keeper restarts it in place (crash recovery, same
#     timeline), but its node-active service often reports "not running" first and the monitor
#     then fails over at once (any node may win, the old primary too: a new timeline). 4 of 20
#     such failovers here (52 kills) deadlocked in report_lsn/fast_forward, the candidate told to
#     fetch WAL from itself (upstream issue #1060, fixed after 2.0 by PR #1143): nothing moves
#     until a person removes that node on the monitor (pgautofailover.remove_node(nodeid, true))
#     and creates it again as a new standby.
#   - a promoted standby is read-only (default_transaction_read_only) until primary_demote_timeout
#     has passed or the old primary reported it stopped; then, in "wait_primary", the monitor sets
#     synchronous_standby_names to '' whatever number_sync_standbys says: commits are
#     asynchronous until a standby has caught up (about 1 s here).
# Settings and pitfalls: ../shared/reference/ha-ledger-reliability.md.

# Monitor (pgautofailover.* GUCs, milliseconds). A node is unhealthy only when BOTH its probes
# failed and its keeper stopped reporting (reports come every 1 s), so a slow probe alone cannot
# start a failover: the probe timing only has to detect within the report timeout.
HA_PGAF_HEALTH_CHECK_PERIOD=${HA_PGAF_HEALTH_CHECK_PERIOD:-1000}    # default 5000
HA_PGAF_HEALTH_CHECK_TIMEOUT=${HA_PGAF_HEALTH_CHECK_TIMEOUT:-1000}  # loopback connects take ms
HA_PGAF_HEALTH_CHECK_RETRIES=${HA_PGAF_HEALTH_CHECK_RETRIES:-2}     # 1 + 3 x 1 + 2 x 0.5 = 5 s
HA_PGAF_HEALTH_CHECK_RETRY_DELAY=${HA_PGAF_HEALTH_CHECK_RETRY_DELAY:-500}
# Five missed keeper reports (one a second; restarting a crashed postmaster holds one up 1-2 s).
HA_PGAF_UNHEALTHY_TIMEOUT=${HA_PGAF_UNHEALTHY_TIMEOUT:-5000}        # default 20000
# How long the promoted standby stays read-only while the old primary may still run: must cover
# the old primary's self-demotion (engine_check_timings).
HA_PGAF_PRIMARY_DEMOTE_TIMEOUT=${HA_PGAF_PRIMARY_DEMOTE_TIMEOUT:-15000}  # default 30000
# Keeper (pg_autoctl.cfg [timeout], seconds). A primary that sees neither the monitor nor any
# standby stops PostgreSQL: with number_sync_standbys 1 it cannot commit alone anyway, so a
# short timeout costs nothing but shortens the split-brain window for readers.
HA_PGAF_PARTITION_TIMEOUT=${HA_PGAF_PARTITION_TIMEOUT:-3}           # default 20
# A crashed primary postmaster is restarted in place; give up (and let the monitor fail over)
# after 5 s or 3 failed starts instead of 20 s.
HA_PGAF_RESTART_TIMEOUT=${HA_PGAF_RESTART_TIMEOUT:-5}               # default 20
HA_PGAF_RESTART_RETRIES=${HA_PGAF_RESTART_RETRIES:-3}

# A silent primary (no keeper report, failed probes) is declared unhealthy, and its failover
# begun, after the unhealthy timeout: it may keep its role through a shorter pause, not a longer.
# shellcheck disable=SC2034  # read by test/ha/lib.sh and the tests
HA_LEASE_S=$((HA_PGAF_UNHEALTHY_TIMEOUT / 1000))

HA_MONITOR_PORT=""
HA_MONITOR_PID=""
declare -a HA_KEEPER_PID=() HA_PGAF_ENV=()

# A cut-off primary's keeper has stopped PostgreSQL by: its walsenders time out
# (wal_sender_timeout) and it notices within a 3 s loop (2 s connect timeout to the monitor +
# 1 s sleep), then partition timeout + 1 s (whole seconds) + one more loop + 2 s for a fast
# shutdown. The monitor cannot promote before unhealthy timeout + demote timeout, both counted
# from the same last report. Overrides that break this are refused.
engine_check_timings() {
  local wst=${HA_WAL_SENDER_TIMEOUT:-5s} demoted_by promote_after
  case $wst in *ms) wst=$(( (${wst%ms} + 999) / 1000 )) ;; *s) wst=${wst%s} ;; esac
  demoted_by=$(( (wst + 3 + HA_PGAF_PARTITION_TIMEOUT + 1 + 3 + 2) * 1000 ))
  promote_after=$(( HA_PGAF_UNHEALTHY_TIMEOUT + HA_PGAF_PRIMARY_DEMOTE_TIMEOUT ))
  [ "$promote_after" -gt "$demoted_by" ] ||
    die "unsafe pg_auto_failover timing: promotion after ${promote_after} ms, but a cut-off primary may run ${demoted_by} ms"
}

# engine_pgaf_exec WHERE CMD...: CMD as postgres in a clean environment (the harness exports
# PGHOST/PGPORT lists that pg_autoctl would take as its own), in node WHERE's namespace or, for
# WHERE=monitor, here. pg_autoctl keeps its configuration and state under XDG_* (in HA_DIR, so
# they go with it); PG_REGRESS_SOCK_DIR makes it start PostgreSQL with -k HA_DIR.
engine_pgaf_exec() {
  local where=$1; shift
  if [ "$where" = monitor ]; then as_pg "${HA_PGAF_ENV[@]}" "$@"; else ha_node_exec "$where" "${HA_PGAF_ENV[@]}" "$@"; fi
}

# engine_pgaf_run WHERE PGDATA NAME: `pg_autoctl run` in the background; its PID in HA_DIR/NAME.pid.
# In a session of its own: when its services are slow to stop, pg_autoctl's supervisor signals
# its whole process group (killpg), which without setsid is the test's own (it took down the
# monitor and the other keepers here). setsid does not fork (a background job of a
# non-interactive shell is no group leader), so $! is pg_autoctl's PID.
engine_pgaf_run() {
  engine_pgaf_exec "$1" bash -c "setsid pg_autoctl run --pgdata '$2' >>'$HA_DIR/$3.log' 2>&1 & echo \$! >'$HA_DIR/$3.pid'"
  cat "$HA_DIR/$3.pid"
}

# engine_monitor_sql SQL: one query on the monitor, bounded in time (the monitor is never faulted).
engine_monitor_sql() {
  PGOPTIONS="" timeout -k 1 3 psql -X -q -At -v ON_ERROR_STOP=1 -c "$1" \
    "host=$HA_CORE_ADDR port=$HA_MONITOR_PORT dbname=pg_auto_failover user=autoctl_node connect_timeout=2 target_session_attrs=any options=-cstatement_timeout=2000"
}

# engine_node_sql N SQL: one query on node N's PostgreSQL, bounded in time (the node may be
# stopped or cut off).
engine_node_sql() {
  PGOPTIONS="" timeout -k 1 3 psql -X -q -At -v ON_ERROR_STOP=1 -c "$2" \
    "host=${HA_ADDR[$1]} port=${HA_PG_PORT[$1]} dbname=postgres user=postgres connect_timeout=2 target_session_attrs=any"
}

engine_monitor_settings() {
  cat <<EOT
shared_buffers = '16MB'
pgautofailover.health_check_period = $HA_PGAF_HEALTH_CHECK_PERIOD
pgautofailover.health_check_timeout = $HA_PGAF_HEALTH_CHECK_TIMEOUT
pgautofailover.health_check_max_retries = $HA_PGAF_HEALTH_CHECK_RETRIES
pgautofailover.health_check_retry_delay = $HA_PGAF_HEALTH_CHECK_RETRY_DELAY
pgautofailover.node_considered_unhealthy_timeout = $HA_PGAF_UNHEALTHY_TIMEOUT
pgautofailover.primary_demote_timeout = $HA_PGAF_PRIMARY_DEMOTE_TIMEOUT
EOT
}

# The monitor: created (initdb, extension; pg_autoctl leaves it stopped), tuned (its own
# "basic tuning" sizes shared_buffers to a quarter of RAM: postgresql.auto.conf wins), then run.
engine_monitor_start() {
  local d=$HA_DIR/monitor
  HA_MONITOR_PORT=$(free_port)
  while [[ " ${HA_PG_PORT[*]} " == *" $HA_MONITOR_PORT "* ]]; do HA_MONITOR_PORT=$(free_port); done
  engine_pgaf_exec monitor timeout 120 setsid -w pg_autoctl create monitor --pgdata "$d" --pgport "$HA_MONITOR_PORT" \
      --hostname "$HA_CORE_ADDR" --listen "$HA_CORE_ADDR" --auth trust --no-ssl --pgctl "$PG_BINDIR/pg_ctl" \
      >"$HA_DIR/monitor-create.log" 2>&1 || { tail -20 "$HA_DIR/monitor-create.log" >&2; die "pg_autoctl create monitor failed"; }
  engine_monitor_settings >>"$d/postgresql.auto.conf"
  echo "host all all 127.0.0.0/8 trust" >>"$d/pg_hba.conf"
  HA_MONITOR_PID=$(engine_pgaf_run monitor "$d" monitor)
  local deadline=$((SECONDS + 60))
  until engine_monitor_sql "SELECT" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { tail -20 "$HA_DIR/monitor.log" >&2; die "the pg_auto_failover monitor did not start"; }
    sleep 0.2
  done
}

# n1's data directory, made here so that every ha_pg_parameters setting is in force from its first
# start (pg_autoctl registers an existing data directory as the primary) and reaches n2 and n3
# through pg_basebackup. postgresql.auto.conf is read after pg_autoctl's included defaults (which
# preload pg_stat_statements only as a convenience; a keeper node needs no library of its own).
engine_primary_initdb() {
  local d=$HA_DIR/pg1
  as_pg "$PG_BINDIR/initdb" -D "$d" --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions >"$HA_DIR/initdb.log" 2>&1 ||
    { cat "$HA_DIR/initdb.log" >&2; die "initdb failed"; }
  ha_pg_parameters | while read -r name value; do printf "%s = '%s'\n" "$name" "$value"; done >>"$d/postgresql.auto.conf"
  printf 'host all all 127.0.0.0/8 trust\nhost replication all 127.0.0.0/8 trust\n' >>"$d/pg_hba.conf"
}

# engine_node_create N: registers node N (n1 as the primary, the others as standbys cloned from
# it, which needs the primary's keeper running), then sets its keeper timeouts before its first run.
engine_node_create() {
  local i=$1 d=$HA_DIR/pg$1 kv
  engine_pgaf_exec "$i" timeout 180 setsid -w pg_autoctl create postgres --pgdata "$d" --pghost "$HA_DIR" \
      --pgport "${HA_PG_PORT[$i]}" --listen "${HA_ADDR[$i]}" --hostname "${HA_ADDR[$i]}" --name "n$i" \
      --monitor "postgres://autoctl_node@$HA_CORE_ADDR:$HA_MONITOR_PORT/pg_auto_failover?sslmode=disable" \
      --skip-pg-hba --no-ssl --ssl-mode disable --pgctl "$PG_BINDIR/pg_ctl" --replication-quorum true \
      >"$HA_DIR/create$i.log" 2>&1 || { tail -30 "$HA_DIR/create$i.log" >&2; die "pg_autoctl create postgres failed for n$i"; }
  for kv in "network_partition_timeout $HA_PGAF_PARTITION_TIMEOUT" \
            "postgresql_restart_failure_timeout $HA_PGAF_RESTART_TIMEOUT" \
            "postgresql_restart_failure_max_retries $HA_PGAF_RESTART_RETRIES"; do
    engine_pgaf_exec "$i" pg_autoctl config set --pgdata "$d" "timeout.${kv% *}" "${kv#* }" >/dev/null
  done
}

# number_sync_standbys: the monitor raises it to 1 by itself when the second quorum standby
# registers; set it if not (the monitor accepts it only while the primary is stable).
engine_sync_standbys() {
  local deadline=$((SECONDS + 120))
  until [ "$(engine_monitor_sql "SELECT number_sync_standbys FROM pgautofailover.formation WHERE formationid = 'default'" 2>/dev/null)" = 1 ]; do
    [ $SECONDS -lt $deadline ] || die "could not set number_sync_standbys to 1"
    engine_monitor_sql "SELECT pgautofailover.set_formation_number_sync_standbys('default', 1)" >/dev/null 2>&1 || true
    sleep 1
  done
}

engine_start() {
  local i
  engine_check_timings
  HA_PGAF_ENV=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$HA_DIR" PGHOST="$HA_DIR" PG_REGRESS_SOCK_DIR="$HA_DIR"
               XDG_CONFIG_HOME="$HA_DIR/xdg/config" XDG_DATA_HOME="$HA_DIR/xdg/data" XDG_RUNTIME_DIR="$HA_DIR/xdg/run")
  mkdir -p "$HA_DIR/xdg/config" "$HA_DIR/xdg/data" "$HA_DIR/xdg/run"
  chown -R postgres: "$HA_DIR/xdg"
  engine_monitor_start
  engine_primary_initdb
  for i in 1 2 3; do
    engine_node_create "$i"
    HA_KEEPER_PID[$i]=$(engine_pgaf_run "$i" "$HA_DIR/pg$i" "keeper$i")
  done
  engine_sync_standbys
}

engine_logs() {
  local f
  for f in "$HA_DIR"/keeper1.log "$HA_DIR"/keeper2.log "$HA_DIR"/keeper3.log "$HA_DIR"/monitor.log; do
    if [ -e "$f" ]; then echo "== ${f##*/}"; tail -20 "$f"; fi
  done
  echo "== the monitor's view"
  engine_monitor_sql "SELECT nodename, goalstate, reportedstate, reportedrepstate, health, reportedtli, reportedlsn FROM pgautofailover.node ORDER BY nodename" 2>&1 || true
}

# The states in which a node is the writable primary (apply_settings/join_primary: a primary
# changing its synchronous_standby_names or admitting a standby).
HA_PGAF_PRIMARY_STATES="'single', 'wait_primary', 'primary', 'join_primary', 'apply_settings'"

# The node number of the primary as the monitor sees it (reported and assigned alike: not one
# being drained, nor a standby still being promoted), or nothing.
engine_leader() {
  engine_monitor_sql "SELECT substr(nodename, 2) FROM pgautofailover.node
    WHERE reportedstate IN ($HA_PGAF_PRIMARY_STATES) AND goalstate IN ($HA_PGAF_PRIMARY_STATES)
    ORDER BY reporttime DESC LIMIT 1" 2>/dev/null || true
}

# Healthy: the monitor sees a primary with a quorum (synchronous) standby and two secondaries,
# every node where it wants it and passing its health checks, on one timeline, with
# number_sync_standbys 1; and the primary itself (the monitor's view lags up to a keeper round, and
# does not change at all when a postmaster is restarted in place) is up, writable, with synchronous
# replication on and both standbys streaming.
engine_healthy() {
  local l
  l=$(engine_monitor_sql "SELECT max(substr(nodename, 2)) FILTER (WHERE reportedstate = 'primary') FROM pgautofailover.node n
      JOIN pgautofailover.formation f USING (formationid)
    HAVING count(*) = 3
      AND count(*) FILTER (WHERE reportedstate = 'primary' AND reportedrepstate IN ('sync', 'quorum')) = 1
      AND count(*) FILTER (WHERE reportedstate = 'secondary') = 2
      AND bool_and(reportedstate = goalstate AND health = 1 AND reportedpgisrunning)
      AND count(DISTINCT reportedtli) = 1 AND min(f.number_sync_standbys) = 1" 2>/dev/null) || return 1
  [ -n "$l" ] || return 1
  [ "$(engine_node_sql "$l" "SELECT NOT pg_is_in_recovery()
      AND current_setting('synchronous_standby_names') <> '' AND NOT current_setting('default_transaction_read_only')::bool
      AND (SELECT count(*) FILTER (WHERE state = 'streaming') = 2
              AND count(*) FILTER (WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')) >= 1
           FROM pg_stat_replication)" 2>/dev/null)" = t ]
}

# The synchronous standby's node number, or nothing. With 'ANY 1 (...)' both standbys are quorum
# members and a commit waits for whichever acknowledges first: this is the one furthest ahead
# (highest flush LSN), the one commits wait on in practice. Stopping it alone does not block
# commits: the other standby acknowledges them.
engine_sync_standby() {
  local l id
  l=$(engine_leader); [ -n "$l" ] || return 0
  id=$(engine_node_sql "$l" "SELECT substr(application_name, length('pgautofailover_standby_') + 1)
      FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')
      ORDER BY flush_lsn DESC NULLS LAST LIMIT 1" 2>/dev/null) || return 0
  [[ $id =~ ^[0-9]+$ ]] || return 0
  engine_monitor_sql "SELECT substr(nodename, 2) FROM pgautofailover.node WHERE nodeid = $id" 2>/dev/null || true
}

# Node N's pg_autoctl processes: the `pg_autoctl run` supervisor and all its descendants (its
# services and whatever they run: pg_ctl, pg_rewind, pg_basebackup) except the postmaster and
# its children, which ha_postgres_pids lists.
engine_agent_pids() {
  local root=${HA_KEEPER_PID[$1]:-} pm pid
  [ -n "$root" ] && kill -0 "$root" 2>/dev/null || return 0
  pm=$(ha_postmaster_pid "$1" || true)
  local -a todo=("$root") out=()
  while [ ${#todo[@]} -gt 0 ]; do
    pid=${todo[0]}; todo=("${todo[@]:1}")
    [ "$pid" != "$pm" ] || continue
    out+=("$pid")
    # shellcheck disable=SC2207
    todo+=($(ps -o pid= --ppid "$pid" || true))
  done
  echo "${out[*]}"
}

# engine_stop_tree PID...: SIGTERM to the first (pg_autoctl stops its services and PostgreSQL,
# fast mode), up to 15 s, then SIGKILL to every PID given (the tree, listed beforehand).
engine_stop_tree() {
  [ -n "${1:-}" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$@" 2>/dev/null || true
}

engine_stop() {
  local i tree
  local -a jobs=()
  # The keepers in parallel (each stops its own PostgreSQL), then the monitor. Only these jobs
  # are waited for: the test's own background processes (anvil, a workload) are not ours.
  for i in 1 2 3; do
    tree=$(engine_agent_pids "$i" 2>/dev/null || true)
    [ -n "$tree" ] || continue
    # shellcheck disable=SC2086
    engine_stop_tree $tree &
    jobs+=($!)
  done
  [ ${#jobs[@]} -eq 0 ] || wait "${jobs[@]}" || true
  if [ -n "$HA_MONITOR_PID" ]; then
    # shellcheck disable=SC2046
    engine_stop_tree "$HA_MONITOR_PID" $(ps -o pid= --ppid "$HA_MONITOR_PID" 2>/dev/null || true)
  fi
  [ -z "$HA_DIR" ] || stop_pid "$(head -1 "$HA_DIR/monitor/postmaster.pid" 2>/dev/null || true)" INT
  HA_KEEPER_PID=(); HA_MONITOR_PID=""
  return 0
}
