#include "core/rpc/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace txrelay::rpc {

void RateLimiter::Refill(std::int64_t now_ms) {
  if (last_ms_ >= 0 && now_ms > last_ms_) {
    tokens_ = std::min(per_second_, tokens_ + per_second_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
  }
  if (now_ms > last_ms_) last_ms_ = now_ms;
}

bool RateLimiter::TryTake(std::int64_t now_ms) {
  Refill(now_ms);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::int64_t RateLimiter::WaitMs(std::int64_t now_ms) {
  Refill(now_ms);
  if (tokens_ >= 1.0) return 0;
  return static_cast<std::int64_t>(std::ceil((1.0 - tokens_) * 1000.0 / per_second_));
}

}  // namespace txrelay::rpc
