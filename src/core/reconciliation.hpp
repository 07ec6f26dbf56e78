// Judging one hot wallet in a reconciliation run (DESIGN §7): what the chain says about its
// nonces and balance beside what the database holds. Pure logic; the tracker process gathers the
// facts (bgworker/reconciler.cpp) and acts on the findings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/amount.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

struct SenderFacts {
  std::optional<std::uint64_t>
      db_next_nonce;  // the next nonce the database would reserve (none: not read yet)
  // The first nonce txrelay managed (its first reservation; else db_next_nonce) and the highest
  // nonce it has a signed transaction for (none: not one yet).
  std::optional<std::uint64_t> db_first_nonce;
  std::optional<std::uint64_t> db_max_signed_nonce;
  std::uint64_t chain_mined = 0;    // eth_getTransactionCount(latest)
  std::uint64_t chain_pending = 0;  // eth_getTransactionCount(pending)
  Uint256 balance = 0;              // eth_getBalance(latest), native wei
  Uint256 need = 0;  // native amounts of its open withdrawals + the most their signed attempts may burn
};

enum class FindingKind {
  kNonceUsedOutside,  // mined nonces the database never reserved: someone else signs with the key
  kPendingOutside,    // the node's pool holds a nonce the database never reserved
  kMinedUnsigned,     // a mined nonce the database has no signed transaction for: lost writes
  kBalanceLow,        // less than the open withdrawals need
};

struct Finding {
  FindingKind kind;
  bool quarantine;   // the sender must stop getting nonces
  std::string what;  // one sentence with the numbers
};

const char* FindingName(FindingKind kind);

// The findings for one sender, most severe first; none when chain and database agree.
std::vector<Finding> JudgeSender(const SenderFacts& facts);

}  // namespace txrelay
