#include "core/rpc/backoff.hpp"

#include <algorithm>

namespace txrelay::rpc {

std::int64_t BackoffCeilingMs(const BackoffPolicy& p, int retry) {
  if (p.base_ms <= 0 || p.cap_ms <= 0) return 0;
  std::int64_t ceiling = p.base_ms;
  for (int i = 0; i < retry && ceiling < p.cap_ms; ++i) ceiling *= 2;  // no overflow: stops at cap
  return std::min(ceiling, p.cap_ms);
}

std::int64_t FullJitterDelayMs(const BackoffPolicy& p, int retry, std::uint64_t random) {
  const std::int64_t ceiling = BackoffCeilingMs(p, retry);
  return static_cast<std::int64_t>(random % static_cast<std::uint64_t>(ceiling + 1));
}

}  // namespace txrelay::rpc
