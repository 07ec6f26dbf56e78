// Fee bumps (DESIGN §5): a new attempt at the same nonce with both fee fields at least 10 % + 1
// wei above the attempt it replaces (what nodes require of a replacement), at least the market's
// fees now, within the chain's caps. Asked for by the tracker for a stuck transaction and by the
// broadcaster for a send the node refused as underpriced; signed by the sender's signer through
// the outbox, or by the client (submit_signed) for a client-signed sender.
#pragma once

#include <optional>
#include <string>

#include "bgworker/chain_config.hpp"
#include "core/amount.hpp"

namespace txrelay::bgworker {

enum class FeeBump {
  kRequested,  // a fee_bump signature request (and, for a signer, its sign outbox row) exists now
  kUnderway,   // a newer attempt or a pending bump at this nonce already exists
  kAtCap,      // 10 % + 1 wei would pass a cap: bumping stops, said once (event + log)
  kGone,       // no such attempt
};

// Inside the caller's transaction. `base_fee` is the latest block's; `suggested_tip` the node's
// eth_maxPriorityFeePerGas if known (else the attempt's own tip). `why` goes into the event.
FeeBump RequestFeeBump(const ChainConfig& chain, const std::string& attempt_id, const Uint256& base_fee,
                       const std::optional<Uint256>& suggested_tip, const std::string& why);

}  // namespace txrelay::bgworker
