# The other Ethereum node implementations the tests run (issue 19): ganache 7.9.2 and Hardhat
# 2.22.19, installed from npm by scripts/deps.sh. Source it, then:
#   node_start ganache|hardhat [options...]  start on a free port on 127.0.0.1 with anvil's dev
#                                            accounts and chain id 31337; exports ANVIL_URL (the
#                                            node's URL, the name the e2e harness uses) and NODE_PID
#   node_stop                                stop it by its PID
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE_PID=""
NODE_LOG=""
DEV_MNEMONIC="test test test test test test test test test test test junk"

node_start() {
  local kind=$1 port
  shift
  port=$(free_port)
  NODE_LOG=$(mktemp /tmp/txrelay-node.XXXXXX.log)
  case $kind in
    ganache)
      node "$TXR_ROOT/.tools/ganache/node_modules/ganache/dist/node/cli.js" --server.host 127.0.0.1 \
        --server.port "$port" --chain.chainId 31337 --wallet.mnemonic "$DEV_MNEMONIC" --wallet.totalAccounts 10 \
        --logging.quiet "$@" >"$NODE_LOG" 2>&1 &
      ;;
    hardhat)
      (cd "$TXR_ROOT/.tools/hardhat" && HARDHAT_DISABLE_TELEMETRY_PROMPT=true exec node \
         node_modules/hardhat/internal/cli/cli.js node --hostname 127.0.0.1 --port "$port" "$@") >"$NODE_LOG" 2>&1 &
      ;;
    *) die "node_start: unknown node $kind" ;;
  esac
  NODE_PID=$!
  export ANVIL_URL="http://127.0.0.1:$port" NODE_PID
  wait_for_rpc "$kind" "$ANVIL_URL" "$NODE_PID" "$NODE_LOG"
}

node_stop() {
  stop_pid "$NODE_PID"
  NODE_PID=""
  [ -n "$NODE_LOG" ] && rm -f "$NODE_LOG"
  NODE_LOG=""
}
