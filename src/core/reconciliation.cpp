#include "core/reconciliation.hpp"

#include <algorithm>
#include <cctype>

namespace txrelay {

const char* FindingName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kNonceUsedOutside:
      return "nonce_used_outside";
    case FindingKind::kPendingOutside:
      return "pending_outside";
    case FindingKind::kMinedUnsigned:
      return "mined_unsigned";
    case FindingKind::kBalanceLow:
      return "balance_low";
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
                     "the chain has mined " + std::to_string(f.chain_mined) +
                         " transactions of this sender, but the database "
                         "reserved nonces only below " +
                         std::to_string(next)});
    } else if (f.chain_pending > next) {
      out.push_back({FindingKind::kPendingOutside, true,
                     "the node's pool holds nonces up to " + std::to_string(f.chain_pending - 1) +
                         " of this sender, but the database reserved nonces only below " +
                         std::to_string(next)});
    }
  }
  // txrelay stores every transaction it signs before sending it, so each nonce the chain has mined
  // since txrelay took the sender over has a signed attempt in the database. A mined nonce above
  // the highest signed one means the database lost the record of a send (a failover that lost
  // committed writes, a restore) or a key used elsewhere, even when reservations made since have
  // moved db_next_nonce past it. Stop: the lost withdrawal may be requested again and paid twice.
  if (out.empty() && f.db_next_nonce && f.db_first_nonce && f.chain_mined > *f.db_first_nonce) {
    const std::uint64_t highest_mined = f.chain_mined - 1;
    if (!f.db_max_signed_nonce || highest_mined > *f.db_max_signed_nonce) {
      out.push_back({FindingKind::kMinedUnsigned, true,
                     "the chain has mined nonce " + std::to_string(highest_mined) +
                         " of this sender, but the database " +
                         (f.db_max_signed_nonce ? "has signed transactions only up to nonce " +
                                                      std::to_string(*f.db_max_signed_nonce)
                                                : std::string("has no signed transaction of it")) +
                         ": a send the database does not know"});
    }
  }
  if (f.balance < f.need) {
    out.push_back(
        {FindingKind::kBalanceLow, false,
         "balance " + ToDecimal(f.balance) + " wei is below the " + ToDecimal(f.need) +
             " wei its open withdrawals need (amounts + the most their signed transactions may burn)"});
  }
  return out;
}

NonceRange UnexplainedNonces(const SenderFacts& f, std::uint64_t limit) {
  std::uint64_t first = f.db_first_nonce.value_or(f.db_next_nonce.value_or(0));
  if (f.db_max_signed_nonce && *f.db_max_signed_nonce + 1 > first) first = *f.db_max_signed_nonce + 1;
  if (f.chain_mined <= first) return {};
  return {first, std::min(f.chain_mined, first + limit)};
}

namespace {

std::string LowerHex(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text == "0x" ? "" : text;
}

}  // namespace

bool SameCall(const CallShape& chain, const CallShape& requested) {
  return LowerHex(chain.to) == LowerHex(requested.to) && chain.value == requested.value &&
         LowerHex(chain.data) == LowerHex(requested.data);
}

}  // namespace txrelay
