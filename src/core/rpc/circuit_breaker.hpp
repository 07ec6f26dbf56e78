// A per-endpoint circuit breaker (DESIGN §6): closed -> open after `threshold` consecutive
// transport failures -> half-open after `cooldown_ms`, when one probe is let through -> closed
// on its success, open again on its failure. Time is passed in (milliseconds, any epoch).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(int threshold, std::int64_t cooldown_ms)
      : threshold_(threshold), cooldown_ms_(cooldown_ms) {}

  // Whether a request may go to the endpoint now. In half-open state only one probe at a time.
  bool Allow(std::int64_t now_ms);
  void OnSuccess();
  void OnFailure(std::int64_t now_ms);

  // New settings (a configuration reload) apply from the next event on.
  void Reconfigure(int threshold, std::int64_t cooldown_ms) {
    threshold_ = threshold;
    cooldown_ms_ = cooldown_ms;
  }

  State state(std::int64_t now_ms) const;
  int consecutive_failures() const { return failures_; }

 private:
  int threshold_;
  std::int64_t cooldown_ms_;
  int failures_ = 0;
  bool open_ = false;
  bool probe_in_flight_ = false;
  std::int64_t opened_at_ms_ = 0;
};

std::string_view Name(CircuitBreaker::State state);

}  // namespace txrelay::rpc
