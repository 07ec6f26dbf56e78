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

// The nonces [first, last) the chain has mined of a sender and the database never signed: the
// sends it does not know (a restore to an earlier point, lost writes, a key used elsewhere), for
// the operator report of a run - at most `limit` of them, the lowest first. Empty when none.
struct NonceRange {
  std::uint64_t first = 0, last = 0;
};
NonceRange UnexplainedNonces(const SenderFacts& facts, std::uint64_t limit);

// A transaction the chain holds at such a nonce, and the call a withdrawal of the database
// reserved there asks for: the same recipient (or contract), value and data, exactly, means the
// chain's transaction is that withdrawal's payment (issue 20: a database restored to an earlier
// point, the application retrying with the same keys).
struct CallShape {
  std::string to;  // 0x-hex address, any case
  Uint256 value = 0;
  std::string data;  // 0x-hex, any case ("0x" for none)
};
bool SameCall(const CallShape& chain, const CallShape& requested);

}  // namespace txrelay
