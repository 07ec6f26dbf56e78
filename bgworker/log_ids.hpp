// The identifiers of a withdrawal for a worker's log line (core/log_ids.hpp), completed from the
// database: the idempotency key and the nonce key, which the code logging a reorg, a fee change
// or a fee bump does not have at hand. Runs inside the caller's transaction.
#pragma once

#include <string>

#include "core/log_ids.hpp"

namespace txrelay::bgworker {

std::string WithdrawalLogIds(const std::string& withdrawal_id, const std::string& attempt_id = {},
                             const std::string& tx_hash = {});

}  // namespace txrelay::bgworker
