#include "core/rpc/send_error.hpp"

#include <cctype>
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

// Order matters: "replacement transaction underpriced" before "transaction underpriced",
// "max fee per gas less than block base fee" before the generic fee rules.
constexpr Rule kRules[] = {
    {"already known", SendError::kKnown},
    {"already imported", SendError::kKnown},
    {"nonce too low", SendError::kNonceUsed},
    {"replacement transaction underpriced", SendError::kUnderpriced},
    {"insufficient funds", SendError::kInsufficientFunds},
    {"max fee per gas less than block base fee", SendError::kReprice},
    {"transaction underpriced", SendError::kReprice},
    {"txpool is full", SendError::kReprice},
    {"gas price below minimum", SendError::kReprice},
    {"intrinsic gas", SendError::kFatal},  // too low / too high
    {"exceeds block gas limit", SendError::kFatal},
    {"gas limit too high", SendError::kFatal},
    {"invalid chain id", SendError::kFatal},
    {"invalid sender", SendError::kFatal},
    {"only replay-protected", SendError::kFatal},
    {"failed to decode", SendError::kFatal},
    {"rlp", SendError::kFatal},  // geth's decode errors
    {"empty transaction data", SendError::kFatal},
    {"max priority fee per gas higher than max fee per gas", SendError::kFatal},
    {"exceeds the configured cap", SendError::kFatal},  // geth --rpc.txfeecap
};

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
  for (const auto& rule : kRules) {
    if (ContainsNoCase(message, rule.substring)) return rule.error;
  }
  // -32602 (invalid params) from anvil is a decode failure of our own bytes.
  if (code == -32602) return SendError::kFatal;
  return SendError::kUnknown;
}

}  // namespace txrelay::rpc
