# A local anvil node (the real Ethereum node of the demo and the tests). Source it, then:
#   anvil_start [anvil options...]   start on a free port on 127.0.0.1; exports ANVIL_URL, ANVIL_PID
#   anvil_stop                       stop it by its PID
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ANVIL_PID=""
ANVIL_LOG=""

anvil_start() {
  local port
  port=$(free_port)
  ANVIL_LOG=$(mktemp /tmp/txrelay-anvil.XXXXXX.log)
  "$TXR_ROOT/.tools/bin/anvil" --host 127.0.0.1 --port "$port" --silent "$@" >"$ANVIL_LOG" 2>&1 &
  ANVIL_PID=$!
  export ANVIL_URL="http://127.0.0.1:$port"
  export ANVIL_PID
  for _ in $(seq 1 100); do
    if "$TXR_ROOT/.tools/bin/cast" chain-id --rpc-url "$ANVIL_URL" >/dev/null 2>&1; then
      log "anvil started: pid $ANVIL_PID, $ANVIL_URL"
      return 0
    fi
    kill -0 "$ANVIL_PID" 2>/dev/null || { cat "$ANVIL_LOG" >&2; die "anvil exited"; }
    sleep 0.1
  done
  die "anvil did not answer on $ANVIL_URL"
}

anvil_stop() {
  if [ -n "$ANVIL_PID" ] && kill -0 "$ANVIL_PID" 2>/dev/null; then
    kill -TERM "$ANVIL_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$ANVIL_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ANVIL_PID" 2>/dev/null || true
  fi
  ANVIL_PID=""
  [ -n "$ANVIL_LOG" ] && rm -f "$ANVIL_LOG"
  ANVIL_LOG=""
}
