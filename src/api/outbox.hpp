// The transactional outbox (DESIGN §1.6): rows written in the same transaction as the business
// change, delivered at least once by a worker.
#pragma once

#include <cstdint>
#include <string>

namespace txrelay::api {

// Asks the broadcaster to have the signature request signed by the sender's signer.
void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id);

// Withdraws the withdrawal's outbox rows that no worker has started (cancel). Returns how many.
std::int64_t CancelPendingOutbox(const std::string& withdrawal_id);

}  // namespace txrelay::api
