#include "core/rpc/send_error.hpp"

#include <cctype>
#include <optional>
#include <string>

namespace txrelay::rpc {

namespace {

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) {
      match = std::tolower(static_cast<unsigned char>(haystack[i + j])) ==
              std::tolower(static_cast<unsigned char>(needle[j]));
    }
    if (match) return true;
  }
  return false;
}

struct Rule {
  std::string_view substring;
  SendError error;
};

// Each node's words for each class (docs/nodes.md cites the client source of every row). Order
// matters: "replacement transaction underpriced" before "transaction underpriced", "max fee per
// gas less than block base fee" before the generic fee rules. The chain, not the message, has
// the last word: a nonce judged used is looked up by hash and followed by the tracker, a known
// transaction is what eth_getTransactionByHash finds, an underpriced one is looked up first.
constexpr Rule kRules[] = {
    // Already in the pool: geth/reth/Nethermind/Erigon, anvil, Besu and Hardhat, Nethermind before 1.26.
    {"already known", SendError::kKnown},
    {"already imported", SendError::kKnown},
    {"known transaction", SendError::kKnown},
    {"alreadyknown", SendError::kKnown},
    // Nonce used: geth/reth/Besu/Nethermind/Erigon/Hardhat/anvil; Nethermind's old "OldNonce".
    {"nonce too low", SendError::kNonceUsed},
    {"oldnonce", SendError::kNonceUsed},
    // Replacement refused: everyone's words, Nethermind's old code, Erigon's pool result.
    {"replacement transaction underpriced", SendError::kUnderpriced},
    {"replacementnotallowed", SendError::kUnderpriced},
    {"could not replace existing tx", SendError::kUnderpriced},
    // The wallet cannot pay: geth/reth/ganache/Erigon, Nethermind's old code, Besu, Hardhat.
    {"insufficient funds", SendError::kInsufficientFunds},
    {"insufficientfunds", SendError::kInsufficientFunds},
    {"upfront cost exceeds account balance", SendError::kInsufficientFunds},
    {"doesn't have enough funds", SendError::kInsufficientFunds},
    // Below what the pool or the next block takes: re-price (after a lookup).
    {"max fee per gas less than block base fee", SendError::kReprice},
    {"is too low for the next block", SendError::kReprice},           // Hardhat
    {"is less than the block's basefeepergas", SendError::kReprice},  // ganache
    {"transaction underpriced", SendError::kReprice},
    {"fee_too_low", SendError::kReprice},  // Erigon
    {"feetoolow", SendError::kReprice},    // Nethermind before 1.26
    {"txpool is full", SendError::kReprice},
    {"gas price below minimum", SendError::kReprice},             // geth 1.15.9+
    {"below configured minimum gas price", SendError::kReprice},  // Besu
    {"which is below the minimum of", SendError::kReprice},       // Hardhat
    {"priority fee below minimum", SendError::kReprice},          // reth
    // The transaction itself can never go: dead letter.
    {"intrinsic gas", SendError::kFatal},
    {"intrinsicgas", SendError::kFatal},                   // Erigon
    {"transaction requires at least", SendError::kFatal},  // Hardhat's intrinsic gas
    {"exceeds block gas limit", SendError::kFatal},
    {"gas limit too high", SendError::kFatal},
    {"invalid chain id", SendError::kFatal},
    {"invalid chainid", SendError::kFatal},                   // Hardhat
    {"invalidtxchainid", SendError::kFatal},                  // Nethermind
    {"wrong chainid", SendError::kFatal},                     // Besu
    {"incompatible eip-155 transaction", SendError::kFatal},  // Hardhat
    {"chainid is required", SendError::kFatal},               // Besu
    {"invalid sender", SendError::kFatal},
    {"invalid signature", SendError::kFatal},              // Besu
    {"invalid transaction signature", SendError::kFatal},  // reth
    {"failed to recover sender", SendError::kFatal},       // Nethermind
    {"only replay-protected", SendError::kFatal},
    {"failed to decode", SendError::kFatal},
    {"rlp", SendError::kFatal},  // geth's decode errors
    {"empty transaction data", SendError::kFatal},
    {"max priority fee per gas higher than max fee per gas", SendError::kFatal},
    {"exceeds the configured cap", SendError::kFatal},    // geth, reth, Erigon --rpc.txfeecap
    {"transaction fee cap exceeded", SendError::kFatal},  // Besu
};

// The decimal number after `label` in `message`, if there is one.
std::optional<unsigned long long> NumberAfter(std::string_view message, std::string_view label) {
  const auto at = message.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + label.size();
  while (i < message.size() && message[i] == ' ') ++i;
  unsigned long long n = 0;
  const std::size_t first = i;
  for (; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])) && n < (1ULL << 60); ++i)
    n = n * 10 + static_cast<unsigned>(message[i] - '0');
  return i > first ? std::optional<unsigned long long>(n) : std::nullopt;
}

// ganache says "the tx doesn't have the correct nonce. account has nonce of: A tx has nonce of: B"
// both when the nonce is used (B < A) and when it is ahead (B > A, a gap to wait for).
std::optional<SendError> GanacheNonce(std::string_view message) {
  if (!ContainsNoCase(message, "doesn't have the correct nonce")) return std::nullopt;
  const auto account = NumberAfter(message, "account has nonce of:");
  const auto tx = NumberAfter(message, "tx has nonce of:");
  if (account && tx && *tx < *account) return SendError::kNonceUsed;
  return SendError::kUnknown;
}

}  // namespace

std::string_view Name(SendError error) {
  switch (error) {
    case SendError::kKnown:
      return "known";
    case SendError::kNonceUsed:
      return "nonce_used";
    case SendError::kUnderpriced:
      return "underpriced";
    case SendError::kInsufficientFunds:
      return "insufficient_funds";
    case SendError::kReprice:
      return "reprice";
    case SendError::kFatal:
      return "fatal";
    case SendError::kUnknown:
      return "unknown";
  }
  return "unknown";
}

SendError ClassifySendError(long code, std::string_view message) {
  if (auto ganache = GanacheNonce(message)) return *ganache;
  for (const auto& rule : kRules) {
    if (ContainsNoCase(message, rule.substring)) return rule.error;
  }
  // -32602 (invalid params) from anvil is a decode failure of our own bytes.
  if (code == -32602) return SendError::kFatal;
  return SendError::kUnknown;
}

}  // namespace txrelay::rpc
