// A token bucket per endpoint: at most `per_second` requests per second on average, bursts up to
// one second's worth. Time is passed in (milliseconds).
#pragma once

#include <cstdint>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

class RateLimiter {
 public:
  explicit RateLimiter(int per_second) : per_second_(per_second > 0 ? per_second : 1), tokens_(per_second_) {}

  // Takes a token if one is available now.
  bool TryTake(std::int64_t now_ms);
  // Milliseconds until a token is available (0 if one is).
  std::int64_t WaitMs(std::int64_t now_ms);
  int per_second() const { return static_cast<int>(per_second_); }

 private:
  void Refill(std::int64_t now_ms);
  double per_second_;
  double tokens_;
  std::int64_t last_ms_ = -1;
};

}  // namespace txrelay::rpc
