// What a node says it cannot do. Nodes differ in the methods they offer (ganache and Hardhat have
// no eth_getBlockReceipts; Hardhat no eth_signTransaction), and in how they say so: the workers
// choose their way by what the node answers, never by which node it is (issue 19, docs/nodes.md).
#pragma once

#include <string_view>

#include "core/rpc/jsonrpc.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// Whether `reply` to a call of `method` says the node does not offer the method at all (as opposed
// to failing this call): JSON-RPC's -32601 "method not found" (geth, Nethermind, Erigon, Besu,
// reth, anvil), Hardhat's -32004 "Method X is not supported", or a message that names the method
// and says it does not exist, is not available, not supported or not implemented (ganache answers
// -32000 or -32700 "The method X does not exist/is not available").
bool MethodUnsupported(const Reply& reply, std::string_view method);

}  // namespace txrelay::rpc
