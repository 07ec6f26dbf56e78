// The broadcaster's jobs: built from leased outbox rows, and their outcomes, each recorded in the
// caller's transaction through store/outbox with a log line that names the work.

#include "bgworker/broadcaster.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/log_ids.hpp"
#include "core/rpc/backoff.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

CallIds Job::Ids() const {
  CallIds ids;
  ids.withdrawal_id = withdrawal_id;
  ids.idempotency_key = idempotency_key;
  ids.nonce_key = nonce_key;
  ids.chain_id = chain_id;
  if (!attempt_id.empty()) ids.attempt_id = attempt_id;
  if (!tx_hash.empty()) ids.tx_hash = tx_hash;
  return ids;
}

std::string Job::Describe() const {
  return FormatLogIds(
      {withdrawal_id.value_or(""), idempotency_key.value_or(""), nonce_key, attempt_id, tx_hash});
}

namespace {

Uint256 Wei(const std::string& text, const char* field) {
  return ParseAmount(text, field, AmountRule::kNonNegative);
}

// What a 'sign' job needs: the call to sign, the signer, a fee bump's floor.
void ReadSignPart(const store::LeasedJob& l, Job& j) {
  j.to = ParseAddress(l.to_address.value_or(""), "to_address");
  j.value = Wei(l.value.value_or(""), "value");
  j.data = l.data;
  j.request_kind = l.request_kind.value_or("");
  if (l.signer_url) {
    Target t;
    t.url = *l.signer_url;
    t.redacted = l.signer_url_redacted.value_or("");
    t.connect_timeout_ms = settings.signer_connect_timeout_ms;
    t.request_timeout_ms = settings.signer_timeout_ms;
    t.max_requests_per_sec = 1000000;
    j.signer = t;
  }
  if (l.min_max_fee_per_gas) {
    j.min_fees = rpc::FeeQuote{
        Wei(*l.min_max_fee_per_gas, "min_max_fee_per_gas"),
        Wei(l.min_max_priority_fee_per_gas.value_or(""), "min_max_priority_fee_per_gas"), false};
  }
}

}  // namespace

Job JobFromLease(const store::LeasedJob& l) {
  Job j;
  j.outbox_id = l.outbox_id;
  j.kind = l.kind;
  j.tries = l.tries;
  j.chain_id = l.chain_id;
  j.withdrawal_id = l.withdrawal_id;
  j.idempotency_key = l.idempotency_key;
  j.signature_request_id = l.signature_request_id.value_or("");
  if (l.from_address) j.from = ParseAddress(*l.from_address, "from_address");
  j.nonce = static_cast<std::uint64_t>(l.nonce.value_or(0));
  j.nonce_key = l.nonce_key.value_or("");
  j.sender_status = l.sender_status;
  if (j.kind == "sign") {
    ReadSignPart(l, j);
  } else {
    j.attempt_id = l.attempt_id.value_or("");
    j.raw = l.raw_tx;
    j.tx_hash = l.tx_hash.value_or("");
  }
  return j;
}

// A transient failure never makes a dead letter: the row holds a reserved nonce, and giving it up
// would stall every later withdrawal of the sender behind the gap. Past the tries budget it goes
// on at the longest delay, and the send_retrying alert says so (decision 55). Only the node's
// fatal answers dead-letter (Dead, directly).
void Broadcaster::Retry(const Job& job, const std::string& error) {
  const rpc::BackoffPolicy policy = settings.BroadcasterBackoff();
  const bool exhausted = rpc::Exhausted(policy, job.tries);
  const std::int64_t delay =
      exhausted ? policy.cap_ms : rpc::FullJitterDelayMs(policy, job.tries - 1, pg::worker::RandomU64());
  const std::string text = exhausted ? "still failing after " + std::to_string(job.tries) +
                                           " tries, retrying every " + std::to_string(policy.cap_ms) +
                                           " ms: " + error
                                     : error;
  store::ScheduleRetry(job.outbox_id, delay, text);
  const std::string line = "txrelay broadcaster: retry " + job.kind + " in " + std::to_string(delay) +
                           " ms (try " + std::to_string(job.tries) + "): " + text + " " + job.Describe();
  if (exhausted) {
    pg::worker::LogWarning(line);
  } else {
    pg::worker::LogInfo(line);
  }
}

void Broadcaster::Done(const Job& job) { store::MarkDone(job.outbox_id); }

void Broadcaster::Cancelled(const Job& job, const std::string& why) {
  store::MarkCancelled(job.outbox_id, why);
}

void Broadcaster::Dead(const Job& job, const std::string& error) {
  const std::string text = error + " " + job.Describe();
  store::MarkDead(job.outbox_id, text);
  pg::worker::LogWarning("txrelay broadcaster: dead letter (outbox " + std::to_string(job.outbox_id) + ", " +
                         job.kind + "): " + text + "; fix the cause, then SELECT txrelay.requeue_dead(" +
                         std::to_string(job.outbox_id) + ")");
}

void Broadcaster::Defer(const Job& job, long delay_ms, const std::string& why) {
  store::Defer(job.outbox_id, delay_ms, why.empty() ? std::nullopt : std::optional<std::string>(why));
}

}  // namespace txrelay::bgworker
