# Throwaway PostgreSQL 15 cluster for the demo and the tests. Source it, then:
#   cluster_start [db]       initdb in a fresh temporary directory, start on a free port on
#                            127.0.0.1 with shared_preload_libraries = 'pg_cron,txrelay';
#                            exports PGHOST (the socket directory), PGPORT, PGUSER, PGDATABASE
#   cluster_stop             stop the postmaster by its PID and remove the directory
#   standby_start NAME       a streaming standby of that cluster (pg_basebackup), connecting with
#                            application_name NAME; sets TXR_STANDBY_PID, TXR_STANDBY_PORT
#   standby_stop             stop it by its PID (cluster_stop also does)
# TXR_EXTRA_CONF adds postgresql.conf lines. Never touches Debian's default 15/main cluster.
# Callers set `trap cluster_stop EXIT`.

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TXR_CLUSTER_DIR=""
TXR_CLUSTER_PID=""

cluster_start() {
  local db=${1:-txrelay}
  TXR_CLUSTER_DIR=$(mktemp -d /tmp/txrelay-pg.XXXXXX)
  chmod 755 "$TXR_CLUSTER_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$TXR_CLUSTER_DIR"
  as_pg "$PG_BINDIR/initdb" -D "$TXR_CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --no-sync >"$TXR_CLUSTER_DIR/initdb.log" 2>&1 ||
    { cat "$TXR_CLUSTER_DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$TXR_CLUSTER_DIR/data/postgresql.conf" <<CONF
# txrelay throwaway cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$TXR_CLUSTER_DIR'
shared_preload_libraries = 'pg_cron,txrelay'
cron.database_name = '$db'
txrelay.database = '$db'
max_connections = 60
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
${TXR_EXTRA_CONF:-}
CONF
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$PG_BINDIR/pg_ctl" -D "$TXR_CLUSTER_DIR/data" -l "$TXR_CLUSTER_DIR/server.log" \
         -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    [ "$attempt" -eq 5 ] && { cat "$TXR_CLUSTER_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  done
  TXR_CLUSTER_PID=$(head -1 "$TXR_CLUSTER_DIR/data/postmaster.pid")
  export PGHOST="$TXR_CLUSTER_DIR" PGPORT="$port" PGUSER=postgres PGDATABASE="$db"
  psql -X -q -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
  log "PostgreSQL 15 started: pid $TXR_CLUSTER_PID, 127.0.0.1:$port, data in $TXR_CLUSTER_DIR"
}

TXR_STANDBY_DIR=""
TXR_STANDBY_PID=""
TXR_STANDBY_PORT=""

standby_start() {
  local name=$1
  TXR_STANDBY_DIR="$TXR_CLUSTER_DIR/standby-$name"
  as_pg "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$TXR_STANDBY_DIR" -X stream --checkpoint=fast \
    --no-sync >"$TXR_CLUSTER_DIR/basebackup.log" 2>&1 || { cat "$TXR_CLUSTER_DIR/basebackup.log" >&2; die "pg_basebackup failed"; }
  as_pg touch "$TXR_STANDBY_DIR/standby.signal"
  cat >>"$TXR_STANDBY_DIR/postgresql.conf" <<CONF
primary_conninfo = 'host=127.0.0.1 port=$PGPORT user=postgres application_name=$name'
hot_standby = on
unix_socket_directories = '$TXR_STANDBY_DIR'
CONF
  TXR_STANDBY_PORT=$(free_port)
  as_pg "$PG_BINDIR/pg_ctl" -D "$TXR_STANDBY_DIR" -l "$TXR_CLUSTER_DIR/standby-$name.log" -o "-p $TXR_STANDBY_PORT" -w -t 60 start \
    >/dev/null 2>&1 || { cat "$TXR_CLUSTER_DIR/standby-$name.log" >&2; die "the standby did not start"; }
  TXR_STANDBY_PID=$(head -1 "$TXR_STANDBY_DIR/postmaster.pid")
  log "standby $name started: pid $TXR_STANDBY_PID, 127.0.0.1:$TXR_STANDBY_PORT"
}

# backrest_conf FILE REPO_DIR [LINE...]: a pgBackRest configuration of the cluster (stanza
# txrelay) in FILE: repository, log and lock directories under REPO_DIR, the cluster's data
# directory, socket and port; LINEs are added to [global].
backrest_conf() {
  local file=$1 repo=$2
  shift 2
  mkdir -p "$repo/repo" "$repo/log" "$repo/lock"
  {
    printf '[global]\nrepo1-path=%s/repo\nlog-path=%s/log\nlock-path=%s/lock\n' "$repo" "$repo" "$repo"
    printf 'log-level-console=warn\nstart-fast=y\n'
    [ $# -gt 0 ] && printf '%s\n' "$@"
    printf '[txrelay]\npg1-path=%s/data\npg1-socket-path=%s\n' "$TXR_CLUSTER_DIR" "$TXR_CLUSTER_DIR"
    printf 'pg1-port=%s\npg1-user=postgres\n' "$PGPORT"
  } >"$file"
  chmod 644 "$file"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$repo" "$file"
  return 0
}

standby_stop() {
  if [ -n "$TXR_STANDBY_PID" ] && kill -0 "$TXR_STANDBY_PID" 2>/dev/null; then
    kill -INT "$TXR_STANDBY_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$TXR_STANDBY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$TXR_STANDBY_PID" 2>/dev/null || true
  fi
  TXR_STANDBY_PID=""
}

# Every secret the tests use contains TXR_TEST_SECRET_MARKER. secret_scan FILE fails if the file
# holds one, and records the verdict in $TXR_SECRET_REPORT (set by scripts/test.sh, which fails the
# run if any server log of any test leaked a secret).
TXR_TEST_SECRET_MARKER=txrsecret
secret_scan() {
  [ -f "$1" ] || return 0
  local hits
  hits=$(grep -c "$TXR_TEST_SECRET_MARKER" "$1" || true)
  if [ "$hits" -gt 0 ]; then
    echo "SECRET LEAK: $hits line(s) of $1 hold a test secret:" >&2
    grep "$TXR_TEST_SECRET_MARKER" "$1" | head -3 | cut -c1-200 >&2
    [ -n "${TXR_SECRET_REPORT:-}" ] && echo "leak $hits $1" >>"$TXR_SECRET_REPORT"
    return 1
  fi
  [ -n "${TXR_SECRET_REPORT:-}" ] && echo "clean $(wc -c <"$1") $1" >>"$TXR_SECRET_REPORT"
  return 0
}

cluster_stop() {
  standby_stop
  if [ -n "$TXR_CLUSTER_PID" ] && kill -0 "$TXR_CLUSTER_PID" 2>/dev/null; then
    kill -INT "$TXR_CLUSTER_PID" 2>/dev/null || true   # fast shutdown
    for _ in $(seq 1 100); do kill -0 "$TXR_CLUSTER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$TXR_CLUSTER_PID" 2>/dev/null || true
  fi
  TXR_CLUSTER_PID=""
  if [ -n "$TXR_CLUSTER_DIR" ] && [ -d "$TXR_CLUSTER_DIR" ]; then
    secret_scan "$TXR_CLUSTER_DIR/server.log" || true
    [ -n "${TXR_KEEP_CLUSTER_LOG:-}" ] && cp "$TXR_CLUSTER_DIR/server.log" "$TXR_KEEP_CLUSTER_LOG" 2>/dev/null
    rm -rf "$TXR_CLUSTER_DIR"
  fi
  TXR_CLUSTER_DIR=""
}
