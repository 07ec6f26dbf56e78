// A chain as the workers need it: endpoints by priority, fee and gas caps, how finality is read.
#pragma once

#include <cstdint>
#include <vector>

#include "bgworker/rpc_gateway.hpp"
#include "core/amount.hpp"

namespace txrelay::bgworker {

struct ChainConfig {
  std::int64_t chain_id = 0;
  std::vector<Target> endpoints;  // enabled ones serving this chain, by priority
  // What the endpoints were found to offer (txrelay.node_capabilities; true until probed).
  bool block_receipts = true;
  bool tx_by_sender_and_nonce = true;
  Uint256 fee_cap = 0;
  Uint256 tip_cap = 0;
  std::uint64_t max_gas_limit = 0;
  bool finality_by_tags = true;  // else by depth:
  std::uint64_t safe_depth = 0;
  std::uint64_t finalized_depth = 0;
};

// Reads the chain's configuration (inside the caller's transaction). False if it does not exist.
bool LoadChainConfig(std::int64_t chain_id, ChainConfig& out);

}  // namespace txrelay::bgworker
