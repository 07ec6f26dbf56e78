#include "core/rpc/circuit_breaker.hpp"

namespace txrelay::rpc {

CircuitBreaker::State CircuitBreaker::state(std::int64_t now_ms) const {
  if (!open_) return State::kClosed;
  return now_ms - opened_at_ms_ >= cooldown_ms_ ? State::kHalfOpen : State::kOpen;
}

bool CircuitBreaker::Allow(std::int64_t now_ms) {
  switch (state(now_ms)) {
    case State::kClosed:
      return true;
    case State::kOpen:
      return false;
    case State::kHalfOpen:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::OnSuccess() {
  failures_ = 0;
  open_ = false;
  probe_in_flight_ = false;
}

void CircuitBreaker::OnFailure(std::int64_t now_ms) {
  ++failures_;
  if (probe_in_flight_ || failures_ >= threshold_) {
    open_ = true;
    opened_at_ms_ = now_ms;
  }
  probe_in_flight_ = false;
}

std::string_view Name(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

}  // namespace txrelay::rpc
