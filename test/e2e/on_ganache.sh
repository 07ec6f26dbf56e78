#!/usr/bin/env bash
# other_nodes.sh on ganache (issue 19): the core flows on a node that is not anvil.
E2E_NODE=ganache exec "$(dirname "$0")/other_nodes.sh"
