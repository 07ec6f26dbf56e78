#include "core/status_sets.hpp"

#include <algorithm>

namespace txrelay {

namespace {

using S = WithdrawalStatus;

constexpr std::pair<StatusSet, std::string_view> kSetNames[] = {
    {StatusSet::kAll, "all"},
    {StatusSet::kFinal, "final"},
    {StatusSet::kInFlight, "in_flight"},
    {StatusSet::kEndedUnpaid, "ended_unpaid"},
    {StatusSet::kPaid, "paid"},
    {StatusSet::kTracked, "tracked"},
    {StatusSet::kOnChain, "on_chain"},
    {StatusSet::kUnconfirmed, "unconfirmed"},
    {StatusSet::kAwaitingInclusion, "awaiting_inclusion"},
    {StatusSet::kMilestones, "milestones"},
};

// The statuses from which the table can reach `to`, and `to` itself.
bool Reaches(S from, S to) {
  std::vector<S> seen{from};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] == to) return true;
    for (S next : kAllWithdrawalStatuses) {
      if (CanTransition(seen[i], next) && std::find(seen.begin(), seen.end(), next) == seen.end())
        seen.push_back(next);
    }
  }
  return false;
}

bool IsPaid(S s) {
  // In a block: the inclusion and the levels that only an inclusion reaches. A reorg takes the
  // transaction out of its block; a revert (failed) spent gas but did not pay.
  return s == S::kIncluded || s == S::kSafe || s == S::kFinalized;
}

bool InSet(StatusSet set, S s) {
  switch (set) {
    case StatusSet::kAll:
      return true;
    case StatusSet::kFinal:
      return IsTerminal(s);
    case StatusSet::kInFlight:
      return !IsTerminal(s);
    case StatusSet::kEndedUnpaid:
      return IsTerminal(s) && !IsPaid(s);
    case StatusSet::kPaid:
      return IsPaid(s);
    case StatusSet::kTracked:
      // A signed transaction exists from 'signed' on: every in-flight status 'signed' reaches.
      return !IsTerminal(s) && Reaches(S::kSigned, s);
    case StatusSet::kOnChain:
      return InSet(StatusSet::kTracked, s) && s != S::kSigned;
    case StatusSet::kUnconfirmed:
      return InSet(StatusSet::kTracked, s) && !IsPaid(s);
    case StatusSet::kAwaitingInclusion:
      return InSet(StatusSet::kOnChain, s) && !IsPaid(s);
    case StatusSet::kMilestones:
      return s == S::kBroadcasted || IsPaid(s);
  }
  return false;
}

}  // namespace

std::string_view Name(StatusSet set) {
  for (const auto& [s, name] : kSetNames) {
    if (s == set) return name;
  }
  return "unknown";
}

std::optional<StatusSet> ParseStatusSet(std::string_view name) {
  for (const auto& [s, n] : kSetNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::vector<WithdrawalStatus> Statuses(StatusSet set) {
  std::vector<WithdrawalStatus> out;
  for (S s : kAllWithdrawalStatuses) {
    if (InSet(set, s)) out.push_back(s);
  }
  return out;
}

bool Contains(StatusSet set, WithdrawalStatus status) { return InSet(set, status); }

bool Contains(StatusSet set, std::string_view status) {
  const auto parsed = ParseWithdrawalStatus(status);
  return parsed && InSet(set, *parsed);
}

}  // namespace txrelay
