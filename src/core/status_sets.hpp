// The named sets of withdrawal statuses (DESIGN §10: a status set is defined once). Every SQL view,
// index predicate, alert and metric reads them through txrelay._status_set(name), and the workers
// through these functions; test/lint.sh refuses a list of statuses spelled out anywhere else.
// They derive from the transition table where a rule of the table defines them; the others are
// built from those, each with the reason in its comment.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/withdrawal_status.hpp"

#include "core/cpp_only.hpp"

namespace txrelay {

enum class StatusSet {
  kAll,                // every status of the table
  kFinal,              // terminal: no transition leaves it (the table)
  kInFlight,           // not final
  kEndedUnpaid,        // final without the payment: the reservation is released
  kPaid,               // the payment transaction is in a block (included, safe, finalized)
  kTracked,            // in flight with a signed transaction: the tracker follows the chain for it
  kOnChain,            // tracked and handed to the chain (broadcast at least once)
  kUnconfirmed,        // tracked and not in a block
  kAwaitingInclusion,  // handed to the chain and not in a block
  kMilestones,         // the stages a withdrawal's KPIs time: broadcast, then each level in a block
};

inline constexpr StatusSet kAllStatusSets[] = {
    StatusSet::kAll,         StatusSet::kFinal,       StatusSet::kInFlight,
    StatusSet::kEndedUnpaid, StatusSet::kPaid,        StatusSet::kTracked,
    StatusSet::kOnChain,     StatusSet::kUnconfirmed, StatusSet::kAwaitingInclusion,
    StatusSet::kMilestones,
};

// The set's name in SQL ("final", "ended_unpaid", ...).
std::string_view Name(StatusSet set);
std::optional<StatusSet> ParseStatusSet(std::string_view name);

// The set's statuses in the order of the transition table's status list.
std::vector<WithdrawalStatus> Statuses(StatusSet set);
bool Contains(StatusSet set, WithdrawalStatus status);
// False for a name that is no status.
bool Contains(StatusSet set, std::string_view status);

}  // namespace txrelay
