// The workers' calls of the writes they share with the SQL API (txrelay._add_note,
// txrelay._enqueue_sign in the extension script): the workers and src/api meet only through the
// database (DESIGN §10), so the rule lives once, in SQL.
#pragma once

#include <cstdint>
#include <string>

namespace txrelay::bgworker {

// A note in a withdrawal's history (withdrawal_events) that does not change its status.
void AddWithdrawalNote(const std::string& withdrawal_id, const char* event, const std::string& reason,
                       const std::string& detail_json);

// A signing job for the broadcaster (its outbox trigger wakes it at commit).
void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id);

}  // namespace txrelay::bgworker
