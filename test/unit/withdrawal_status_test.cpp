#include "core/withdrawal_status.hpp"

#include <set>

#include "test_support.hpp"

using txrelay::CanTransition;
using txrelay::kAllWithdrawalStatuses;
using txrelay::Name;
using txrelay::WithdrawalStatus;
using S = WithdrawalStatus;

namespace {
// The expected table, written out independently of the implementation (DESIGN §4).
const std::set<std::pair<std::string, std::string>> kExpected = {
    {"requested", "approved"},
    {"requested", "rejected"},
    {"requested", "cancelled"},
    {"approved", "signed"},
    {"approved", "cancelling"},
    {"approved", "replaced_externally"},
    {"signed", "broadcasted"},
    {"signed", "cancelling"},
    {"signed", "replaced_externally"},
    {"broadcasted", "included"},
    {"broadcasted", "cancelling"},
    {"broadcasted", "replaced_externally"},
    {"included", "safe"},
    {"included", "finalized"},
    {"included", "reorged"},
    {"included", "failed"},
    {"safe", "finalized"},
    {"safe", "reorged"},
    {"safe", "failed"},
    {"reorged", "included"},
    {"reorged", "cancelling"},
    {"reorged", "replaced_externally"},
    {"cancelling", "cancelled"},
    {"cancelling", "included"},
    {"cancelling", "replaced_externally"},
};
}  // namespace

TEST(WithdrawalStatus, EveryPairMatchesTheExpectedTable) {
  int allowed = 0;
  for (S from : kAllWithdrawalStatuses) {
    for (S to : kAllWithdrawalStatuses) {
      const bool expected = kExpected.count({std::string(Name(from)), std::string(Name(to))}) > 0;
      EXPECT_EQ(CanTransition(from, to), expected) << Name(from) << " -> " << Name(to);
      allowed += expected;
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(kExpected.size()));
  EXPECT_EQ(txrelay::WithdrawalTransitions().size(), kExpected.size());
}

TEST(WithdrawalStatus, ForwardOnly) {
  EXPECT_FALSE(CanTransition(S::kIncluded, S::kBroadcasted));
  EXPECT_FALSE(CanTransition(S::kApproved, S::kRequested));
  // Once a nonce is reserved, signed bytes may exist: no status releases the money by a cancel
  // alone; only the race's end (cancelling -> cancelled) does.
  for (S s : kAllWithdrawalStatuses) {
    if (s != S::kRequested && s != S::kCancelling) {
      EXPECT_FALSE(CanTransition(s, S::kCancelled)) << Name(s);
    }
  }
  EXPECT_FALSE(CanTransition(S::kCancelling, S::kBroadcasted));
  EXPECT_FALSE(CanTransition(S::kCancelling, S::kSigned));
  for (S s : kAllWithdrawalStatuses) EXPECT_FALSE(CanTransition(s, s)) << Name(s);
}

TEST(WithdrawalStatus, TerminalStates) {
  std::set<std::string> terminal;
  for (S s : kAllWithdrawalStatuses) {
    if (txrelay::IsTerminal(s)) terminal.insert(std::string(Name(s)));
  }
  EXPECT_EQ(terminal,
            (std::set<std::string>{"finalized", "failed", "rejected", "cancelled", "replaced_externally"}));
}

TEST(WithdrawalStatus, NamesRoundTrip) {
  for (S s : kAllWithdrawalStatuses) EXPECT_EQ(txrelay::ParseWithdrawalStatus(Name(s)), s);
  EXPECT_FALSE(txrelay::ParseWithdrawalStatus("Requested").has_value());
  EXPECT_FALSE(txrelay::ParseWithdrawalStatus("").has_value());
}

TEST(WithdrawalStatus, CheckTransitionRefusesWithTR003AndSaysWhatIsAllowed) {
  EXPECT_NO_THROW(txrelay::CheckTransition("requested", "approved"));
  const std::string msg = EXPECT_SQLSTATE(txrelay::CheckTransition("included", "broadcasted"), "TR003");
  EXPECT_NE(msg.find("included"), std::string::npos);
  try {
    txrelay::CheckTransition("included", "broadcasted");
  } catch (const txrelay::Error& e) {
    EXPECT_NE(e.detail().find("safe, finalized, reorged, failed"), std::string::npos) << e.detail();
  }
  EXPECT_SQLSTATE(txrelay::CheckTransition("finalized", "reorged"), "TR003");
  EXPECT_SQLSTATE(txrelay::CheckTransition("requested", "paid"), "TR003");
  EXPECT_SQLSTATE(txrelay::CheckInitialStatus("approved"), "TR003");
  EXPECT_NO_THROW(txrelay::CheckInitialStatus("requested"));
}
