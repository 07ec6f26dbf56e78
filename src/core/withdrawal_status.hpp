// The withdrawal state machine of DESIGN §4 as one transition table. The trigger on
// txrelay.withdrawals enforces it for every writer; the API and the workers ask it before acting.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cpp_only.hpp"

namespace txrelay {

enum class WithdrawalStatus : std::uint8_t {
  kRequested,
  kApproved,
  kSigned,
  kBroadcasted,
  kIncluded,
  kSafe,
  kFinalized,
  kReorged,
  kFailed,
  kRejected,
  kCancelled,
  kReplacedExternally,
  kCancelling,  // cancel asked after approval: a gap filler races the payment for the nonce
};

inline constexpr std::array<WithdrawalStatus, 13> kAllWithdrawalStatuses = {
    WithdrawalStatus::kRequested,   WithdrawalStatus::kApproved,  WithdrawalStatus::kSigned,
    WithdrawalStatus::kBroadcasted, WithdrawalStatus::kIncluded,  WithdrawalStatus::kSafe,
    WithdrawalStatus::kFinalized,   WithdrawalStatus::kReorged,   WithdrawalStatus::kFailed,
    WithdrawalStatus::kRejected,    WithdrawalStatus::kCancelled, WithdrawalStatus::kReplacedExternally,
    WithdrawalStatus::kCancelling,
};

// The status every withdrawal starts in.
inline constexpr WithdrawalStatus kInitialWithdrawalStatus = WithdrawalStatus::kRequested;

// The name stored in withdrawals.status ("replaced_externally", ...).
std::string_view Name(WithdrawalStatus status);
std::optional<WithdrawalStatus> ParseWithdrawalStatus(std::string_view name);

bool CanTransition(WithdrawalStatus from, WithdrawalStatus to);
bool IsTerminal(WithdrawalStatus status);

// Every allowed (from, to) pair, in table order.
std::vector<std::pair<WithdrawalStatus, WithdrawalStatus>> WithdrawalTransitions();

// Throws Error TR003 unless `from` -> `to` is in the table; the detail lists what `from` allows.
// Unknown status names are TR003 too: no row may hold a status outside the table.
void CheckTransition(std::string_view from, std::string_view to);
// Throws Error TR003 unless `status` is the initial status.
void CheckInitialStatus(std::string_view status);

}  // namespace txrelay
