// Outcome counters of request_withdrawal() in shared memory, for the idempotent-replay rate of
// txrelay.metrics (DESIGN §7). A replay returns the first withdrawal and writes nothing, so no
// table can count it, and a counter row would serialise intake; atomics in shared memory cost
// nothing and need no lock. They count calls since the server started (a Prometheus counter:
// rate() handles the reset at a restart or failover), whether or not the caller then commits.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace txrelay::pg {

enum class RequestOutcome : int { kNew = 0, kReplay = 1, kConflict = 2 };
inline constexpr int kRequestOutcomes = 3;

// From _PG_init while shared_preload_libraries is processed.
void InstallRequestCounters();

// Counts one call; does nothing when the library was not preloaded.
void CountRequest(RequestOutcome outcome);

// The counters by outcome, or none when the library was not preloaded.
std::optional<std::array<std::uint64_t, kRequestOutcomes>> ReadRequestCounters();

}  // namespace txrelay::pg
