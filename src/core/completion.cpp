#include "core/completion.hpp"

#include "core/error.hpp"

namespace txrelay {

std::string_view Completion::LevelName() const {
  switch (level) {
    case Level::kIncluded:
      return "included";
    case Level::kSafe:
      return "safe";
    case Level::kFinalized:
      return "finalized";
  }
  return "finalized";
}

std::string Completion::Text() const {
  if (level == Level::kIncluded) return "included:" + std::to_string(confirmations);
  return std::string(LevelName());
}

Completion ParseCompletion(std::string_view text, std::string_view arg) {
  auto bad = [&] {
    return InvalidArgument(arg, "is not a valid completion level",
                           "Got " + Quote(text) + "; expected 'included:N' (N = 0 to " +
                               std::to_string(kMaxConfirmations) + "), 'safe' or 'finalized'.");
  };
  Completion c;
  if (text == "safe") {
    c.level = Completion::Level::kSafe;
    return c;
  }
  if (text == "finalized") {
    c.level = Completion::Level::kFinalized;
    return c;
  }
  constexpr std::string_view kPrefix = "included:";
  if (text.substr(0, kPrefix.size()) != kPrefix) throw bad();
  const std::string_view digits = text.substr(kPrefix.size());
  if (digits.empty() || digits.size() > 5 || (digits.size() > 1 && digits[0] == '0')) throw bad();
  int n = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') throw bad();
    n = n * 10 + (ch - '0');
  }
  if (n > kMaxConfirmations) throw bad();
  c.level = Completion::Level::kIncluded;
  c.confirmations = n;
  return c;
}

}  // namespace txrelay
