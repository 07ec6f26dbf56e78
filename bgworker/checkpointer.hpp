// Ledger checkpoints on a schedule (DESIGN §8, decision 51), in the tracker process: every
// txrelay.ledger_checkpoint_interval seconds it calls txrelay.take_ledger_checkpoint(), which
// verifies the ledger since the last checkpoint and refuses (TR010) over damage - logged as
// CRITICAL here, and the ledger_checkpoint_stale alert follows.
#pragma once

#include <cstdint>

namespace txrelay::bgworker {

class LedgerCheckpointer {
 public:
  // Takes a checkpoint if one is due; true if it tried.
  bool RunIfDue();
  // Milliseconds until the next one is due (-1: checkpoints are off).
  long NextDueMs() const;

 private:
  // Takes one now; a refusal is recorded for the alert and logged.
  void Take();
  // When the newest checkpoint was taken or last tried; due one interval later (the interval as
  // set now: a reload applies at once).
  bool known_ = false;
  std::int64_t last_try_ms_ = 0;
};

}  // namespace txrelay::bgworker
