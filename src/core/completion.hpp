// A risk tier's completion level (DESIGN §4): 'included:N', 'safe' or 'finalized'.
#pragma once

#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

struct Completion {
  enum class Level { kIncluded, kSafe, kFinalized };
  Level level = Level::kFinalized;
  int confirmations = 0;  // for kIncluded: blocks on top of the including block

  std::string Text() const;  // the canonical spelling stored in risk_tiers.completion
  std::string_view LevelName() const;
};

inline constexpr int kMaxConfirmations = 10000;

// Parses 'included:N' (N = 0..10000, no leading zeros), 'safe' or 'finalized'.
// Throws Error 22023 naming `arg`.
Completion ParseCompletion(std::string_view text, std::string_view arg);

}  // namespace txrelay
