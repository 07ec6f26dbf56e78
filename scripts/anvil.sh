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
  "$TXR_ROOT/.tools/bin/anvil" --host "${ANVIL_HOST:-127.0.0.1}" --port "$port" --silent "$@" >"$ANVIL_LOG" 2>&1 &
  ANVIL_PID=$!
  export ANVIL_URL="http://${ANVIL_HOST:-127.0.0.1}:$port"
  export ANVIL_PID
  wait_for_rpc anvil "$ANVIL_URL" "$ANVIL_PID" "$ANVIL_LOG"
}

anvil_stop() {
  stop_pid "$ANVIL_PID"
  ANVIL_PID=""
  [ -n "$ANVIL_LOG" ] && rm -f "$ANVIL_LOG"
  ANVIL_LOG=""
}
