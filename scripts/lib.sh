# Shared helpers for txrelay's scripts. Source it; it defines functions only.

TXR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian's ccache in front of g++ (when installed): the package build (scripts/deb.sh) then reuses
# the objects of the tree's build, which has the same compiler flags in another directory.
use_ccache() {
  [ -d /usr/lib/ccache ] || return 0
  export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=${CCACHE_DIR:-$TXR_ROOT/.ccache} CCACHE_NOHASHDIR=1
}

# PostgreSQL refuses to run as root; when we are root the server runs as 'postgres'.
pg_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below Linux's ephemeral range (32768-60999): a port an outgoing connection holds cannot be
    # seen by connecting to it, but a server could still fail to bind it.
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  die "no free port found"
}

# stop_pid PID [SIGNAL]: stops a server we started, by its PID (SIGTERM by default), waits up to
# 5 s, then SIGKILL.
stop_pid() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  kill -"${2:-TERM}" "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# wait_for_rpc NAME URL PID LOG: waits until the JSON-RPC node at URL answers eth_chainId; dies
# with its log if the process exits or it never answers (30 s).
wait_for_rpc() {
  for _ in $(seq 1 300); do
    if curl -s -X POST -H 'Content-Type: application/json' \
         -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$2" 2>/dev/null | grep -q '"result"'; then
      log "$1 started: pid $3, $2"
      return 0
    fi
    kill -0 "$3" 2>/dev/null || { cat "$4" >&2; die "$1 exited"; }
    sleep 0.1
  done
  die "$1 did not answer on $2"
}

