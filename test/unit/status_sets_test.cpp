#include "core/status_sets.hpp"

#include <map>
#include <set>
#include <string>

#include "test_support.hpp"

using txrelay::StatusSet;

namespace {

std::set<std::string> Names(StatusSet set) {
  std::set<std::string> out;
  for (auto s : txrelay::Statuses(set)) out.insert(std::string(txrelay::Name(s)));
  return out;
}

// Each set written out by hand from DESIGN §4, independently of the derivation: a change of the
// transition table that moves a set shows up here first.
const std::map<std::string, std::set<std::string>> kExpected = {
    {"final", {"finalized", "failed", "rejected", "cancelled", "replaced_externally"}},
    {"in_flight",
     {"requested", "approved", "signed", "broadcasted", "included", "safe", "reorged", "cancelling"}},
    {"ended_unpaid", {"failed", "rejected", "cancelled", "replaced_externally"}},
    {"paid", {"included", "safe", "finalized"}},
    {"tracked", {"signed", "broadcasted", "included", "safe", "reorged", "cancelling"}},
    {"on_chain", {"broadcasted", "included", "safe", "reorged", "cancelling"}},
    {"unconfirmed", {"signed", "broadcasted", "reorged", "cancelling"}},
    {"awaiting_inclusion", {"broadcasted", "reorged", "cancelling"}},
    {"milestones", {"broadcasted", "included", "safe", "finalized"}},
};

}  // namespace

TEST(StatusSets, EachSetHasExactlyTheStatusesDesignNames) {
  for (const auto& [name, statuses] : kExpected) {
    const auto set = txrelay::ParseStatusSet(name);
    ASSERT_TRUE(set.has_value()) << name;
    EXPECT_EQ(Names(*set), statuses) << name;
  }
}

TEST(StatusSets, EveryNamedSetIsCoveredAndNamesRoundTrip) {
  for (StatusSet set : txrelay::kAllStatusSets) {
    const std::string name(txrelay::Name(set));
    EXPECT_EQ(txrelay::ParseStatusSet(name), set);
    if (set != StatusSet::kAll) {
      EXPECT_TRUE(kExpected.count(name)) << name << " has no expectation";
    }
  }
  EXPECT_FALSE(txrelay::ParseStatusSet("Final").has_value());
  EXPECT_FALSE(txrelay::ParseStatusSet("").has_value());
}

TEST(StatusSets, AllIsTheTableAndFinalIsWhatNothingLeaves) {
  EXPECT_EQ(txrelay::Statuses(StatusSet::kAll).size(), txrelay::kAllWithdrawalStatuses.size());
  for (auto s : txrelay::kAllWithdrawalStatuses) {
    bool leaves = false;
    for (auto t : txrelay::kAllWithdrawalStatuses) leaves |= txrelay::CanTransition(s, t);
    EXPECT_EQ(txrelay::Contains(StatusSet::kFinal, s), !leaves) << txrelay::Name(s);
    EXPECT_NE(txrelay::Contains(StatusSet::kFinal, s), txrelay::Contains(StatusSet::kInFlight, s));
  }
}

TEST(StatusSets, EndedUnpaidAndFinalizedPartitionFinal) {
  for (auto s : txrelay::kAllWithdrawalStatuses) {
    const bool final_status = txrelay::Contains(StatusSet::kFinal, s);
    const bool unpaid = txrelay::Contains(StatusSet::kEndedUnpaid, s);
    EXPECT_EQ(final_status, unpaid || s == txrelay::WithdrawalStatus::kFinalized) << txrelay::Name(s);
  }
}

TEST(StatusSets, ContainsByNameRefusesWhatIsNoStatus) {
  EXPECT_TRUE(txrelay::Contains(StatusSet::kUnconfirmed, "reorged"));
  EXPECT_FALSE(txrelay::Contains(StatusSet::kUnconfirmed, "included"));
  EXPECT_FALSE(txrelay::Contains(StatusSet::kAll, "REORGED"));
  EXPECT_FALSE(txrelay::Contains(StatusSet::kAll, "pending"));
}
