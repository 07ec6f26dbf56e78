#include "core/reconciliation.hpp"

namespace txrelay {

const char* FindingName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNonceUsedOutside: return "nonce_used_outside";
    case FindingKind::kPendingOutside: return "pending_outside";
    case FindingKind::kBalanceLow: return "balance_low";
  }
  return "unknown";
}

std::vector<Finding> JudgeSender(const SenderFacts& f) {
  std::vector<Finding> out;
  // Every nonce below db_next_nonce is reserved by a withdrawal before it is signed, so the chain
  // can never be ahead of it by our doing. Ahead means a key used elsewhere, or a database that
  // lost writes (a failover without a synchronous standby): either way, stop reserving.
  if (f.db_next_nonce) {
    const std::uint64_t next = *f.db_next_nonce;
    if (f.chain_mined > next) {
      out.push_back({FindingKind::kNonceUsedOutside, true,
                     "the chain has mined " + std::to_string(f.chain_mined) + " transactions of this sender, but the database "
                     "reserved nonces only below " + std::to_string(next)});
    } else if (f.chain_pending > next) {
      out.push_back({FindingKind::kPendingOutside, true,
                     "the node's pool holds nonces up to " + std::to_string(f.chain_pending - 1) +
                         " of this sender, but the database reserved nonces only below " + std::to_string(next)});
    }
  }
  if (f.balance < f.need) {
    out.push_back({FindingKind::kBalanceLow, false,
                   "balance " + ToDecimal(f.balance) + " wei is below the " + ToDecimal(f.need) +
                       " wei its open withdrawals need (amounts + the most their signed transactions may burn)"});
  }
  return out;
}

}  // namespace txrelay
