// Exponential backoff with full jitter (DESIGN §5): delay = random(0, min(cap, base * 2^n)).
// The randomness is passed in, so the policy is deterministic under test.
#pragma once

#include <cstdint>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

struct BackoffPolicy {
  std::int64_t base_ms = 1000;
  std::int64_t cap_ms = 60000;
  int max_tries = 8;  // after this many tries a piece of work becomes a dead letter
};

// The ceiling of the n-th retry's delay (n = 0 for the first retry): min(cap, base * 2^n).
std::int64_t BackoffCeilingMs(const BackoffPolicy& policy, int retry);

// The n-th retry's delay for a uniformly random 64-bit `random`: in [0, ceiling].
std::int64_t FullJitterDelayMs(const BackoffPolicy& policy, int retry, std::uint64_t random);

// Whether a piece of work tried `tries` times must stop.
inline bool Exhausted(const BackoffPolicy& policy, int tries) { return tries >= policy.max_tries; }

}  // namespace txrelay::rpc
