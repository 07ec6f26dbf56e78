// The broadcaster (DESIGN §5): takes 'sign' and 'broadcast' outbox jobs with a lease, has
// signature requests signed by the sender's external signer, records the signed bytes through
// txrelay.submit_signed (the same verification as for client-signed transactions) before any
// send, sends, judges the answer (core/rpc/send_verdict), checks the status of an unknown outcome
// before anything else, and retries with backoff or dead-letters. At most
// txrelay.max_in_flight_per_sender nonces of a sender are sent and not yet mined.
//
// One round, by stage and file:
//   broadcaster.cpp        the round: lease, sort into sign / send / wait, hold for start-up checks
//   broadcaster_jobs.cpp   jobs from leased outbox rows, and their outcomes (done, retry, dead ...)
//   broadcaster_nonces.cpp the senders' nonces on chain: first nonces, the in-flight window
//   broadcaster_adopt.cpp  sign jobs against the chain's unknown transactions: adopt, hold, quarantine
//   broadcaster_sign.cpp   fees and gas, the signer's signature, recording the attempt
//   broadcaster_send.cpp   the send, the status check, and the verdict recorded
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bgworker/chain_config.hpp"
#include "bgworker/reconciler.hpp"
#include "bgworker/rpc_gateway.hpp"
#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/eth/transaction.hpp"
#include "core/rpc/fees.hpp"
#include "core/rpc/send_verdict.hpp"
#include "store/outbox.hpp"

namespace txrelay::store {
struct UnknownTransaction;  // store/unknown_transactions.hpp
}

namespace txrelay::bgworker {

// How long a held job (a quarantined sender, a chain not reconciled at start, an open unknown
// transaction) is put back before it is looked at again.
inline constexpr long kHeldRecheckMs = 5000;

// A chain's configuration and its cached fee quote.
struct ChainInfo : ChainConfig {
  std::optional<rpc::FeeQuote> fees;
  std::optional<Uint256> base_fee;       // of the latest block, when `fees` was quoted
  std::optional<Uint256> suggested_tip;  // eth_maxPriorityFeePerGas then
  std::int64_t fees_at_ms = 0;
};

// One leased outbox job and what the broadcaster learns while working on it.
struct Job {
  std::int64_t outbox_id = 0;
  std::string kind;  // "sign" or "broadcast"
  int tries = 0;
  std::int64_t chain_id = 0;
  std::optional<std::string> withdrawal_id;
  std::optional<std::string> idempotency_key;
  std::string signature_request_id;
  std::string nonce_key;
  Address from;
  std::uint64_t nonce = 0;
  std::string sender_status;  // "active", "paused", "quarantined"
  // sign
  Address to;
  Uint256 value = 0;
  Bytes data;
  std::optional<Target> signer;
  std::string request_kind;               // "withdrawal", "gap_filler" or "fee_bump"
  std::optional<rpc::FeeQuote> min_fees;  // a fee bump: both fee fields at least these
  eth::UnsignedTx tx;
  Bytes signed_raw;
  // broadcast
  std::string attempt_id;
  Bytes raw;
  std::string tx_hash;
  bool adopted = false;  // the chain's own transaction (decision 79): looked up before any send

  CallIds Ids() const;
  std::string Describe() const;  // the five identifiers, for logs and dead letters
};

// A leased outbox row as a job (addresses and amounts parsed).
Job JobFromLease(const store::LeasedJob& lease);

// Who holds the broadcaster's leases (this process).
std::string LeaseOwner();

class Broadcaster {
 public:
  explicit Broadcaster(RpcGateway& gateway) : gateway_(gateway), startup_check_(gateway, "broadcaster") {}

  // At start: outbox rows leased by a previous broadcaster go back to the queue (there is one
  // broadcaster per database, so they are orphans). Returns how many.
  std::int64_t RecoverLeases();
  // One round: reads unknown sender nonces, leases a batch, signs, records, sends, records.
  // Returns true if it processed anything (the caller loops at once).
  bool RunOnce();
  // Milliseconds until the earliest queued row falls due (-1: none).
  long NextDueMs();

 private:
  // Jobs of a round sorted by what happens to them now.
  struct Triage {
    std::vector<Job> to_sign, to_send, deferred;
    std::vector<std::pair<Job, std::string>> held;
  };
  using Failures = std::vector<std::pair<Job*, std::string>>;  // a job and why

  // broadcaster.cpp
  std::vector<Job> LeaseRound();
  void LoadChains(const std::vector<Job>& jobs);
  void RunStartupChecks(std::vector<Job>& jobs);
  bool ChainReconciledAtStart(std::int64_t chain_id);
  std::optional<std::string> HoldReason(const Job& job);
  Triage Sort(std::vector<Job>& jobs);
  void RecordWaits(const Triage& triage);
  void FlushAudit();

  // broadcaster_jobs.cpp: outcomes, recorded in the caller's transaction
  void Done(const Job& job);
  void Cancelled(const Job& job, const std::string& why);
  void Retry(const Job& job, const std::string& error);
  void Dead(const Job& job, const std::string& error);
  void Defer(const Job& job, long delay_ms, const std::string& why = {});

  // broadcaster_nonces.cpp
  void ReadUnknownNonces();
  void RefreshMinedNonces(const std::vector<Job>& jobs);
  bool InWindow(const Job& job) const;
  bool BelowMinedNonce(const Job& job) const;

  // broadcaster_adopt.cpp
  std::vector<Job> ScreenUnknown(std::vector<Job>& jobs, std::vector<Job>& to_broadcast);
  std::optional<std::string> Adopt(Job& j, const store::UnknownTransaction& row, const std::string& why,
                                   std::vector<Job>& to_broadcast);
  void QuarantineForUnknown(const Job& j, const std::string& why);

  // broadcaster_sign.cpp
  void SignAll(std::vector<Job>& jobs, std::vector<Job>& to_broadcast);
  bool RefreshFees(ChainInfo& chain, bool force = false);
  std::vector<Job*> EstimateGas(std::vector<Job>& jobs, Failures& retry, Failures& dead);
  std::vector<Job*> RequestSignatures(const std::vector<Job*>& ready, Failures& retry);
  Job StoreAttempt(const Job& j, const Bytes& raw);
  std::vector<Job> StoreRound(const std::vector<Job*>& signed_jobs);
  void StoreAttemptAlone(Job& j, Failures& dead, std::vector<Job>& to_broadcast);
  void RecordSigned(const std::vector<Job*>& signed_jobs, Failures& retry, Failures& dead,
                    std::vector<Job>& to_broadcast);

  // broadcaster_send.cpp
  void SendAll(std::vector<Job>& jobs);
  bool SendsAllowed(const std::vector<Job>& jobs);
  bool CheckBeforeResend(const std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts);
  bool Send(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts);
  bool CheckUnderpricedHolders(const std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts);
  bool CheckStatuses(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts);
  bool Resend(std::vector<Job>& jobs, std::vector<rpc::SendJudgement>& verdicts,
              const std::vector<std::size_t>& which);
  void RecordVerdict(Job& job, const rpc::SendJudgement& verdict);
  void RecordSent(const std::vector<const Job*>& sent);
  void Reprice(Job& job, const std::string& error);

  RpcGateway& gateway_;
  std::map<std::int64_t, ChainInfo> chains_;
  std::map<std::pair<std::int64_t, std::string>, std::uint64_t>
      mined_nonce_;              // (chain, sender) -> latest count
  std::vector<Exchange> audit_;  // exchanges of this round not yet written to rpc_calls
  bool sends_held_ = false;      // the synchronous-standby gate is holding the sends
  Reconciler startup_check_;
  std::set<std::int64_t> reconciled_chains_;
  std::map<std::int64_t, std::int64_t> next_startup_try_ms_;
  // A sender whose first nonce could not be read is asked again after a growing delay, not in
  // every round (a node that answers garbage must not get a request, and the log a line, per wake).
  struct NonceReadRetry {
    int failures = 0;
    std::int64_t next_ms = 0;
  };
  std::map<std::pair<std::int64_t, std::string>, NonceReadRetry> nonce_read_retry_;
};

}  // namespace txrelay::bgworker
