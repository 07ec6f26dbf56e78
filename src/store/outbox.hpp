// The transactional outbox (DESIGN §1.6, §5): the one owner of every outbox row's state. Jobs
// are queued in the transaction of the business change, leased by the broadcaster with
// FOR UPDATE SKIP LOCKED, and end done, cancelled or dead; a dead letter can be requeued.
//
//   pending --lease--> leased --done / cancel / dead--> (final)
//      ^                  |
//      +--retry / defer---+            dead --requeue--> pending
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pg/datum.hpp"

namespace txrelay::store {

// --- queueing (in the business change's transaction) ---

// A signing job for the sender's signer (txrelay._enqueue_sign; the outbox trigger wakes the
// broadcaster at commit).
void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id);
// EnqueueSign for many signature requests of one chain in one statement (pairs in order).
void EnqueueSigns(std::int64_t chain_id, const std::vector<std::string>& withdrawal_ids,
                  const std::vector<std::string>& signature_request_ids);
// A sending job for a recorded attempt.
void EnqueueBroadcast(std::int64_t chain_id, const std::string& withdrawal_id,
                      const std::string& signature_request_id, const std::string& attempt_id);
// EnqueueBroadcast for a round's recorded attempts, in one statement, in their order.
void EnqueueBroadcasts(const std::vector<std::string>& attempt_ids);
// The same bytes sent again (a drop, a reorg), unless a send of this attempt is already queued.
void EnqueueResend(const std::string& attempt_id, const std::string& why);

// --- the broadcaster's lease ---

// A leased job with what the broadcaster needs to work on it: the signature request for a
// 'sign' job, the attempt for a 'broadcast' job, the sender's status and signer.
struct LeasedJob {
  std::int64_t outbox_id = 0;
  std::string kind;  // "sign" or "broadcast"
  int tries = 0;
  std::int64_t chain_id = 0;
  std::optional<std::string> withdrawal_id, idempotency_key, signature_request_id, from_address, nonce_key;
  std::optional<std::int64_t> nonce;
  std::string sender_status;  // "" when the sender row is gone
  // sign
  std::optional<std::string> to_address, value, request_kind, min_max_fee_per_gas,
      min_max_priority_fee_per_gas;
  std::vector<std::uint8_t> data;
  std::optional<std::string> signer_url, signer_url_redacted;
  // broadcast
  std::optional<std::string> attempt_id, tx_hash;
  std::vector<std::uint8_t> raw_tx;
};
// Leases up to `limit` due jobs (pending and available, or leased with an expired lease).
std::vector<LeasedJob> LeaseJobs(int limit, const std::string& owner, int lease_seconds);
// Leases the pending send of an attempt just recorded; nullopt if there is none.
struct Lease {
  std::int64_t outbox_id = 0;
  int tries = 0;
};
std::optional<Lease> LeaseBroadcastOf(const std::string& attempt_id, const std::string& owner,
                                      int lease_seconds);
// LeaseBroadcastOf for a round's attempts, in one statement: attempt id -> its lease.
std::map<std::string, Lease> LeaseBroadcastsOf(const std::vector<std::string>& attempt_ids,
                                               const std::string& owner, int lease_seconds);
// Puts back every job leased by a previous broadcaster (one per database: they are orphans).
std::int64_t ReleaseLeases();
// Milliseconds until the earliest pending job falls due; nullopt: none.
std::optional<std::int64_t> MsUntilNextJob();

// --- outcomes of a leased job ---

void MarkDone(std::int64_t outbox_id);
// MarkDone for a round's jobs, in one statement.
void MarkDoneMany(const std::vector<std::int64_t>& outbox_ids);
void MarkCancelled(std::int64_t outbox_id, const std::string& why);
void MarkDead(std::int64_t outbox_id, const std::string& error);
// Back to the queue after `delay_ms`; the try counts.
void ScheduleRetry(std::int64_t outbox_id, std::int64_t delay_ms, const std::string& error);
// Back to the queue after `delay_ms` without counting the try (waiting is not failing); `why`
// replaces the last error when given.
void Defer(std::int64_t outbox_id, std::int64_t delay_ms, const std::optional<std::string>& why);

// --- cancellation and operators ---

// Locks the withdrawal's jobs in outbox_id order (the order every writer takes them in).
void LockJobsOf(const std::string& withdrawal_id);
// Withdraws the withdrawal's jobs not done (pending, leased, dead). Returns how many. A leased
// job's worker may still be sending: a cancel is a race, not a recall.
std::int64_t CancelUnstarted(const std::string& withdrawal_id);
// Cancels the pending jobs that inclusions at (chain, from, nonce) made moot: their pending fee
// bumps and those requests' signing jobs, and the sends of their attempts; in two statements.
struct SettledNonce {
  std::string from;
  std::int64_t nonce = 0;
  std::string tx_hash;  // the transaction that took it
};
void CancelSettledMany(std::int64_t chain_id, const std::vector<SettledNonce>& nonces);

struct OutboxState {
  std::string status;
  std::optional<std::string> withdrawal_id;
};
std::optional<OutboxState> LockJob(std::int64_t outbox_id);
// A dead letter back to the queue with a fresh retry budget; returns the row (txrelay.outbox)
// in the caller's memory context.
Datum Requeue(std::int64_t outbox_id);

}  // namespace txrelay::store
