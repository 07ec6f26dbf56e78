#include "bgworker/broadcaster.hpp"

#include <algorithm>
#include <set>

#include "bgworker/audit.hpp"
#include "bgworker/durability_gate.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/fee_bump.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/error.hpp"
#include "core/log_ids.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/send_error.hpp"
#include "core/rpc/signer.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker_transaction.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

namespace {

// How long a row that waits for the in-flight window is put back before it is looked at again.
constexpr long kWindowRecheckMs = 200;
constexpr long kStandbyRecheckMs = 500;  // after txrelay.standby_wait_ms without a synchronous standby
constexpr long kHeldRecheckMs = 5000;    // a quarantined sender, a chain not reconciled at start

std::string LeaseOwner() { return "broadcaster:" + std::to_string(getpid()); }

std::string HashHex(const Bytes& raw) {
  const Hash32 h = Keccak256(raw);
  return ToHex(h.data(), h.size());
}

}  // namespace

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

std::int64_t Broadcaster::RecoverLeases() {
  pg::WorkerTransaction txn;
  static const pg::Statement kRelease(
      "UPDATE txrelay.outbox SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at "
      "= now() "
      "WHERE status = 'leased' AND kind IN ('sign', 'broadcast') RETURNING outbox_id",
      {});
  const auto n = static_cast<std::int64_t>(kRelease.Run({}).size());
  txn.Commit();
  return n;
}

long Broadcaster::NextDueMs() {
  pg::WorkerTransaction txn;
  static const pg::Statement kDue(
      "SELECT greatest(0, ceil(extract(epoch FROM min(available_at) - now()) * 1000))::bigint "
      "FROM txrelay.outbox WHERE status = 'pending' AND kind IN ('sign', 'broadcast')",
      {});
  const auto due = kDue.Run({}).front().OptionalInt64(0);
  txn.Commit();
  return due ? static_cast<long>(*due) : -1;
}

void Broadcaster::ReadUnknownNonces() {
  struct Unknown {
    std::int64_t chain_id;
    std::string address;
  };
  std::vector<Unknown> unknown;
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kUnknown(
        "SELECT chain_id, address FROM txrelay.senders WHERE next_nonce IS NULL AND status = 'active' "
        "ORDER BY chain_id, address",
        {});
    const auto rows = kUnknown.Run({});
    for (std::uint64_t i = 0; i < rows.size(); ++i) unknown.push_back({rows[i].Int64(0), rows[i].Text(1)});
    if (!unknown.empty()) {
      std::vector<Job> probe;
      for (const auto& u : unknown) {
        Job j;
        j.chain_id = u.chain_id;
        probe.push_back(j);
      }
      LoadChains(probe);
    }
    txn.Commit();
  }
  if (unknown.empty()) return;
  std::map<std::int64_t, Exchange> by_chain;
  for (const auto& u : unknown) {
    auto it = by_chain.find(u.chain_id);
    if (it == by_chain.end())
      it = by_chain.emplace(u.chain_id, ReadExchange(chains_[u.chain_id].endpoints)).first;
    CallIds ids;
    ids.chain_id = u.chain_id;
    AddCall(it->second, "eth_getTransactionCount", {u.address, "latest"}, ids);
  }
  std::vector<Exchange*> run;
  for (auto& [chain, ex] : by_chain) run.push_back(&ex);
  if (!gateway_.Run(run)) return;
  pg::WorkerTransaction txn;
  static const pg::Statement kSet(
      "UPDATE txrelay.senders SET next_nonce = $3 WHERE chain_id = $1 AND address = $2 AND next_nonce IS "
      "NULL",
      {INT8OID, TEXTOID, INT8OID});
  for (auto& [chain, ex] : by_chain) {
    for (std::size_t i = 0; i < ex.calls.size(); ++i) {
      const rpc::Reply* r = ReplyAt(ex, i);
      std::optional<std::uint64_t> count;
      if (r && !r->is_error) count = rpc::HexQuantity(r->result);
      const std::string address = ex.calls[i].params[0].get<std::string>();
      if (!count.has_value()) {
        pg::worker::LogWarning("txrelay broadcaster: cannot read the nonce of sender " + address +
                               " on chain " + std::to_string(chain) + ": " +
                               (r ? r->error_message : ex.last_error));
        continue;
      }
      kSet.Run({pg::Int8Param(chain), pg::TextParam(address),
                pg::Int8Param(static_cast<std::int64_t>(count.value()))});
      pg::worker::LogInfo("txrelay broadcaster: sender " + address + " on chain " + std::to_string(chain) +
                          " starts at nonce " + std::to_string(count.value()) + " (read from the chain)");
    }
    WriteAudit(ex);
  }
  txn.Commit();
}

std::vector<Job> Broadcaster::Claim() {
  static const pg::Statement kClaim(
      "WITH claimed AS ("
      "  UPDATE txrelay.outbox o SET status = 'leased', lease_owner = $2, "
      "         lease_expires_at = now() + make_interval(secs => $3), tries = o.tries + 1, updated_at = "
      "now() "
      "   WHERE o.outbox_id IN (SELECT outbox_id FROM txrelay.outbox "
      "                          WHERE status IN ('pending', 'leased') AND kind IN ('sign', 'broadcast') "
      "                            AND ((status = 'pending' AND available_at <= now()) "
      "                                 OR (status = 'leased' AND lease_expires_at < now())) "
      "                          ORDER BY available_at, outbox_id LIMIT $1 FOR UPDATE SKIP LOCKED) "
      "  RETURNING o.outbox_id, o.kind, o.tries, o.chain_id, o.withdrawal_id, o.signature_request_id, "
      "o.attempt_id) "
      "SELECT c.outbox_id, c.kind, c.tries, c.chain_id, c.withdrawal_id::text, w.idempotency_key, "
      "       coalesce(s.signature_request_id, a.signature_request_id)::text, "
      "       coalesce(a.from_address, s.from_address), coalesce(a.nonce, s.nonce), s.to_address, "
      "s.value::text, s.data, "
      "       g.url, g.url_redacted, a.attempt_id::text, a.raw_tx, '0x' || encode(a.tx_hash, 'hex'), "
      "       s.kind, s.min_max_fee_per_gas::text, s.min_max_priority_fee_per_gas::text, sd.status "
      "  FROM claimed c "
      "  LEFT JOIN txrelay.withdrawals w ON w.withdrawal_id = c.withdrawal_id "
      "  LEFT JOIN txrelay.signature_requests s ON s.signature_request_id = c.signature_request_id "
      "  LEFT JOIN txrelay.attempts a ON a.attempt_id = c.attempt_id "
      "  LEFT JOIN txrelay.senders sd ON sd.chain_id = c.chain_id AND sd.address = coalesce(a.from_address, "
      "s.from_address) "
      "  LEFT JOIN txrelay.signers g ON g.name = sd.signer "
      " ORDER BY c.outbox_id",
      {INT4OID, TEXTOID, INT4OID});
  const auto rows = kClaim.Run({pg::Int4Param(settings.batch_size), pg::TextParam(LeaseOwner()),
                                pg::Int4Param(settings.lease_seconds)});
  std::vector<Job> jobs;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    Job j;
    j.outbox_id = r.Int64(0);
    j.kind = r.Text(1);
    j.tries = static_cast<int>(r.Int64(2));
    j.chain_id = r.Int64(3);
    j.withdrawal_id = r.OptionalText(4);
    j.idempotency_key = r.OptionalText(5);
    j.signature_request_id = r.OptionalText(6).value_or("");
    const auto from = r.OptionalText(7);
    if (from) j.from = ParseAddress(*from, "from_address");
    j.nonce = static_cast<std::uint64_t>(r.OptionalInt64(8).value_or(0));
    j.nonce_key = std::to_string(j.chain_id) + ":" + from.value_or("?") + ":" + std::to_string(j.nonce);
    j.sender_status = r.OptionalText(20).value_or("");
    if (j.kind == "sign") {
      j.to = ParseAddress(r.Text(9), "to_address");
      j.value = ParseAmount(r.Text(10), "value", AmountRule::kNonNegative);
      j.data = r.Bytes(11);
      if (const auto url = r.OptionalText(12)) {
        Target t;
        t.url = *url;
        t.redacted = r.Text(13);
        t.connect_timeout_ms = settings.signer_connect_timeout_ms;
        t.request_timeout_ms = settings.signer_timeout_ms;
        t.max_requests_per_sec = 1000000;
        j.signer = t;
      }
      j.request_kind = r.Text(17);
      if (!r.IsNull(18)) {
        j.min_fees = rpc::FeeQuote{
            ParseAmount(r.Text(18), "min_max_fee_per_gas", AmountRule::kNonNegative),
            ParseAmount(r.Text(19), "min_max_priority_fee_per_gas", AmountRule::kNonNegative), false};
      }
    } else {
      j.attempt_id = r.OptionalText(14).value_or("");
      if (!r.IsNull(15)) j.raw = r.Bytes(15);
      j.tx_hash = r.OptionalText(16).value_or("");
    }
    jobs.push_back(std::move(j));
  }
  return jobs;
}

void Broadcaster::LoadChains(const std::vector<Job>& jobs) {
  std::set<std::int64_t> ids;
  for (const auto& j : jobs) ids.insert(j.chain_id);
  for (std::int64_t id : ids) LoadChainConfig(id, chains_[id]);  // keeps the cached fee quote
}

void Broadcaster::RefreshMinedNonces(const std::vector<Job>& jobs) {
  // The cached count is a lower bound (it only grows, but for a reorg that the tracker handles):
  // read the chain only for senders a job would find outside the window.
  std::map<std::int64_t, std::set<std::string>> senders;
  for (const auto& j : jobs) {
    if (!InWindow(j)) senders[j.chain_id].insert(j.from.Checksummed());
  }
  if (senders.empty()) return;
  std::vector<Exchange> exchanges;
  for (const auto& [chain, addresses] : senders) {
    Exchange ex = ReadExchange(chains_[chain].endpoints);
    for (const auto& a : addresses) {
      CallIds ids;
      ids.chain_id = chain;
      AddCall(ex, "eth_getTransactionCount", {a, "latest"}, ids);
    }
    exchanges.push_back(std::move(ex));
  }
  std::vector<Exchange*> run;
  for (auto& ex : exchanges) run.push_back(&ex);
  gateway_.Run(run);
  for (auto& ex : exchanges) {
    const std::int64_t chain = *ex.ids.front().chain_id;
    for (std::size_t i = 0; i < ex.calls.size(); ++i) {
      const rpc::Reply* r = ReplyAt(ex, i);
      if (!r || r->is_error) continue;
      if (const auto n = rpc::HexQuantity(r->result))
        mined_nonce_[{chain, ex.calls[i].params[0].get<std::string>()}] = *n;
    }
    audit_.push_back(std::move(ex));
  }
}

bool Broadcaster::InWindow(const Job& job) const {
  const auto it = mined_nonce_.find({job.chain_id, job.from.Checksummed()});
  if (it == mined_nonce_.end()) return false;  // unknown: wait rather than flood
  return job.nonce < it->second + static_cast<std::uint64_t>(settings.max_in_flight_per_sender);
}

bool Broadcaster::RefreshFees(ChainInfo& chain, bool force) {
  const std::int64_t now = pg::worker::NowMs();
  if (!force && chain.fees && now - chain.fees_at_ms < settings.fee_refresh_ms) return true;
  Exchange ex = ReadExchange(chain.endpoints);
  CallIds ids;
  ids.chain_id = chain.chain_id;
  AddCall(ex, "eth_getBlockByNumber", {"latest", false}, ids);
  AddCall(ex, "eth_maxPriorityFeePerGas", nlohmann::json::array(), ids);
  gateway_.Run({&ex});
  const rpc::Reply* block = ReplyAt(ex, 0);
  const rpc::Reply* tip = ReplyAt(ex, 1);
  std::optional<Uint256> base;
  if (block && !block->is_error) {
    if (const auto header = ParseBlockHeader(block->result)) base = header->base_fee;
  }
  std::optional<Uint256> suggested;
  if (tip && !tip->is_error) suggested = rpc::HexQuantity256(tip->result);
  audit_.push_back(std::move(ex));
  if (!base) return false;
  chain.fees = rpc::QuoteFees(*base, suggested.value_or(Uint256("1000000000")), chain.fee_cap, chain.tip_cap);
  chain.base_fee = base;
  chain.suggested_tip = suggested;
  chain.fees_at_ms = now;
  return true;
}

void Broadcaster::Retry(const Job& job, const std::string& error) {
  const rpc::BackoffPolicy policy = settings.BroadcasterBackoff();
  // A transient failure never makes a dead letter: the row holds a reserved nonce, and giving it
  // up would stall every later withdrawal of the sender behind the gap. Past the tries budget it
  // goes on at the longest delay, and the send_retrying alert says so (decision 55). Only the
  // node's fatal answers dead-letter (Dead, directly).
  const bool exhausted = rpc::Exhausted(policy, job.tries);
  const std::int64_t delay =
      exhausted ? policy.cap_ms : rpc::FullJitterDelayMs(policy, job.tries - 1, pg::worker::RandomU64());
  static const pg::Statement kRetry(
      "UPDATE txrelay.outbox SET status = 'pending', available_at = now() + make_interval(secs => $2 / "
      "1000.0), "
      "lease_owner = NULL, lease_expires_at = NULL, last_error = $3, updated_at = now() WHERE outbox_id = $1",
      {INT8OID, INT8OID, TEXTOID});
  const std::string text = exhausted ? "still failing after " + std::to_string(job.tries) +
                                           " tries, retrying every " + std::to_string(policy.cap_ms) +
                                           " ms: " + error
                                     : error;
  kRetry.Run({pg::Int8Param(job.outbox_id), pg::Int8Param(delay), pg::TextParam(text)});
  const std::string line = "txrelay broadcaster: retry " + job.kind + " in " + std::to_string(delay) +
                           " ms (try " + std::to_string(job.tries) + "): " + text + " " + job.Describe();
  if (exhausted) {
    pg::worker::LogWarning(line);
  } else {
    pg::worker::LogInfo(line);
  }
}

void Broadcaster::Done(const Job& job) {
  static const pg::Statement kDone(
      "UPDATE txrelay.outbox SET status = 'done', done_at = now(), lease_owner = NULL, lease_expires_at = NULL, "
      "last_error = NULL, updated_at = now() WHERE outbox_id = $1",
      {INT8OID});
  kDone.Run({pg::Int8Param(job.outbox_id)});
}

void Broadcaster::Cancelled(const Job& job, const std::string& why) {
  static const pg::Statement kCancelled(
      "UPDATE txrelay.outbox SET status = 'cancelled', last_error = $2, done_at = now(), lease_owner = NULL, "
      "lease_expires_at = NULL, updated_at = now() WHERE outbox_id = $1",
      {INT8OID, TEXTOID});
  kCancelled.Run({pg::Int8Param(job.outbox_id), pg::TextParam(why)});
}

void Broadcaster::Dead(const Job& job, const std::string& error) {
  const std::string text = error + " " + job.Describe();
  static const pg::Statement kDead(
      "UPDATE txrelay.outbox SET status = 'dead', last_error = $2, lease_owner = NULL, "
      "lease_expires_at = NULL, done_at = now(), updated_at = now() WHERE outbox_id = $1",
      {INT8OID, TEXTOID});
  kDead.Run({pg::Int8Param(job.outbox_id), pg::TextParam(text)});
  pg::worker::LogWarning("txrelay broadcaster: dead letter (outbox " + std::to_string(job.outbox_id) + ", " +
                         job.kind + "): " + text + "; fix the cause, then SELECT txrelay.requeue_dead(" +
                         std::to_string(job.outbox_id) + ")");
}

void Broadcaster::Defer(const Job& job, long delay_ms, const std::string& why) {
  static const pg::Statement kDefer(
      "UPDATE txrelay.outbox SET status = 'pending', tries = greatest(tries - 1, 0), lease_owner = NULL, "
      "lease_expires_at = NULL, available_at = now() + make_interval(secs => $2 / 1000.0), updated_at = now(), "
      "last_error = coalesce($3, last_error) WHERE outbox_id = $1",
      {INT8OID, INT8OID, TEXTOID});
  kDefer.Run({pg::Int8Param(job.outbox_id), pg::Int8Param(delay_ms),
              why.empty() ? pg::DatumParam(TEXTOID, Datum(0), true) : pg::TextParam(why)});
}

void Broadcaster::FlushAudit() {
  for (const auto& ex : audit_) WriteAudit(ex);
  audit_.clear();
}

void Broadcaster::SignAll(std::vector<Job>& jobs, std::vector<Job>& to_broadcast) {
  if (jobs.empty()) return;
  std::vector<std::pair<Job*, std::string>> retry, dead;

  // Fees and gas, per chain.
  std::map<std::int64_t, Exchange> estimates;
  std::vector<Job*> pending;
  for (auto& j : jobs) {
    if (!j.signer) {
      dead.emplace_back(
          &j, "sender " + j.from.Checksummed() + " has no signer: it is client-signed (submit_signed)");
      continue;
    }
    ChainInfo& chain = chains_[j.chain_id];
    if (!RefreshFees(chain)) {
      retry.emplace_back(&j, "cannot read fees of chain " + std::to_string(j.chain_id));
      continue;
    }
    auto it = estimates.find(j.chain_id);
    if (it == estimates.end()) it = estimates.emplace(j.chain_id, ReadExchange(chain.endpoints)).first;
    nlohmann::json call = {{"from", j.from.Checksummed()},
                           {"to", j.to.Checksummed()},
                           {"value", rpc::ToHexQuantity(j.value)},
                           {"data", ToHex(j.data)}};
    AddCall(it->second, "eth_estimateGas", nlohmann::json::array({call}), j.Ids());
    pending.push_back(&j);
  }
  {
    std::vector<Exchange*> run;
    for (auto& [chain, ex] : estimates) run.push_back(&ex);
    if (!run.empty()) gateway_.Run(run);
  }
  std::map<std::int64_t, std::size_t> next_call;
  std::map<std::string, Exchange> signs;  // by signer URL
  std::vector<Job*> signing;
  for (Job* j : pending) {
    Exchange& ex = estimates.at(j->chain_id);
    const std::size_t i = next_call[j->chain_id]++;
    const rpc::Reply* r = ReplyAt(ex, i);
    if (!r) {
      retry.emplace_back(j, "eth_estimateGas: " + ex.last_error);
      continue;
    }
    if (r->is_error) {
      retry.emplace_back(j, ReplyError("eth_estimateGas", *r));
      continue;
    }
    const auto estimate = rpc::HexQuantity(r->result);
    const ChainInfo& chain = chains_[j->chain_id];
    if (!estimate) {
      retry.emplace_back(j, "eth_estimateGas returned no quantity");
      continue;
    }
    // A plain transfer to an account costs exactly 21000; anything else gets 20 % headroom.
    const std::uint64_t gas = *estimate == 21000 ? 21000 : *estimate + *estimate / 5;
    if (gas > chain.max_gas_limit) {
      dead.emplace_back(j, "needs " + std::to_string(gas) + " gas, above the chain's max_gas_limit " +
                               std::to_string(chain.max_gas_limit));
      continue;
    }
    eth::UnsignedTx& tx = j->tx;
    tx.type = eth::TxType::kDynamicFee;
    tx.chain_id = static_cast<std::uint64_t>(j->chain_id);
    tx.nonce = j->nonce;
    tx.max_fee_per_gas = chain.fees->max_fee_per_gas;
    tx.max_priority_fee_per_gas = chain.fees->max_priority_fee_per_gas;
    if (j->min_fees) {
      // A fee bump: at least the tracker's floor (the stuck attempt's + 10 % + 1 wei, within the
      // caps), more if the market asks more now; the tip never above the max fee.
      tx.max_fee_per_gas = std::max(tx.max_fee_per_gas, j->min_fees->max_fee_per_gas);
      tx.max_priority_fee_per_gas =
          std::max(tx.max_priority_fee_per_gas, j->min_fees->max_priority_fee_per_gas);
      tx.max_fee_per_gas = std::max(tx.max_fee_per_gas, tx.max_priority_fee_per_gas);
    }
    tx.gas_limit = gas;
    tx.to = j->to;
    tx.value = j->value;
    tx.data = j->data;
    auto it = signs.find(j->signer->url);
    if (it == signs.end()) it = signs.emplace(j->signer->url, WriteExchange({*j->signer})).first;
    AddCall(it->second, "eth_signTransaction", rpc::SignTransactionParams(tx, j->from), j->Ids());
    signing.push_back(j);
  }
  for (auto& [chain, ex] : estimates) audit_.push_back(std::move(ex));
  {
    std::vector<Exchange*> run;
    for (auto& [url, ex] : signs) run.push_back(&ex);
    if (!run.empty()) gateway_.Run(run);
  }
  std::map<std::string, std::size_t> next_sign;
  std::vector<Job*> signed_jobs;
  for (Job* j : signing) {
    Exchange& ex = signs.at(j->signer->url);
    const rpc::Reply* r = ReplyAt(ex, next_sign[j->signer->url]++);
    if (!r) {
      retry.emplace_back(j, "eth_signTransaction via " + j->signer->redacted + ": " + ex.last_error);
      continue;
    }
    if (r->is_error) {
      retry.emplace_back(j, ReplyError("eth_signTransaction", *r));
      continue;
    }
    const auto raw = rpc::SignedRawFromResult(r->result);
    if (!raw) {
      retry.emplace_back(j, "the signer answered neither a raw transaction nor {raw, tx}");
      continue;
    }
    j->signed_raw = *raw;
    j->tx_hash = HashHex(*raw);
    signed_jobs.push_back(j);
  }
  for (auto& [url, ex] : signs) audit_.push_back(std::move(ex));

  // Record: the signed bytes are stored (and verified by submit_signed) before any send.
  pg::WorkerTransaction txn;
  static const pg::Statement kSubmit(
      "SELECT attempt_id::text, '0x' || encode(tx_hash, 'hex') FROM txrelay.submit_signed($1::uuid, $2)",
      {TEXTOID, BYTEAOID});
  static const pg::Statement kTakeBroadcast(
      "UPDATE txrelay.outbox SET status = 'leased', lease_owner = $2, lease_expires_at = now() + "
      "make_interval(secs => $3), "
      "tries = tries + 1, updated_at = now() WHERE attempt_id = $1::uuid AND kind = 'broadcast' AND status = "
      "'pending' "
      "RETURNING outbox_id, tries",
      {TEXTOID, TEXTOID, INT4OID});
  for (Job* j : signed_jobs) {
    Job b = *j;
    bool taken = false;
    const auto error = pg::RunInSubTransaction([&] {
      const auto row = kSubmit
                           .Run({pg::TextParam(j->signature_request_id),
                                 pg::ByteaParam(j->signed_raw.data(), j->signed_raw.size())})
                           .front();
      b.kind = "broadcast";
      b.attempt_id = row.Text(0);
      b.tx_hash = row.Text(1);
      b.raw = j->signed_raw;
      Done(*j);
      const auto lease = kTakeBroadcast.Run(
          {pg::TextParam(b.attempt_id), pg::TextParam(LeaseOwner()), pg::Int4Param(settings.lease_seconds)});
      if (!lease.empty()) {
        b.outbox_id = lease.front().Int64(0);
        b.tries = static_cast<int>(lease.front().Int64(1));
        taken = true;
      }
    });
    if (!error) {
      if (taken) to_broadcast.push_back(std::move(b));
    } else if (error->sqlerrcode == MAKE_SQLSTATE('T', 'R', '0', '0', '3')) {
      Cancelled(*j, "not signed: " + error->message);
    } else {
      dead.emplace_back(
          j, "the signer's transaction was refused by submit_signed: " + error->message +
                 " (a signer that signs something other than what was asked is a security incident)");
    }
  }
  for (auto& [j, error] : retry) Retry(*j, error);
  for (auto& [j, error] : dead) Dead(*j, error);
  FlushAudit();
  txn.Commit();
}

void Broadcaster::SendAll(std::vector<Job>& jobs) {
  if (jobs.empty()) return;
  std::string not_durable;
  if (!AttemptsOnSynchronousStandby(not_durable)) {
    // Nothing leaves; the rows go back to the queue (no try counted) with the reason, which the
    // standby_not_in_sync alert shows.
    pg::WorkerTransaction txn;
    for (const auto& j : jobs) Defer(j, kStandbyRecheckMs, not_durable);
    FlushAudit();
    txn.Commit();
    if (!sends_held_) {  // said once per episode; the alert shows it meanwhile
      pg::worker::LogWarning("txrelay broadcaster: CRITICAL: sends held: " + not_durable);
      sends_held_ = true;
    }
    return;
  }
  if (sends_held_) {
    pg::worker::LogInfo("txrelay broadcaster: a synchronous standby has the records again; sending");
    sends_held_ = false;
  }
  enum class Verdict { kSent, kRetry, kDead, kCheck, kNonceUsed, kReprice };
  struct Result {
    Job* job;
    Verdict verdict = Verdict::kRetry;
    std::string error;
    bool unknown = false;  // the send's outcome is unknown: a status check comes first
  };
  std::vector<Result> results;
  std::map<std::int64_t, Exchange> sends;
  std::map<std::int64_t, std::vector<std::size_t>> members;
  for (auto& j : jobs) {
    results.push_back({&j});
    auto it = sends.find(j.chain_id);
    if (it == sends.end()) it = sends.emplace(j.chain_id, WriteExchange(chains_[j.chain_id].endpoints)).first;
    AddCall(it->second, "eth_sendRawTransaction", {ToHex(j.raw)}, j.Ids());
    members[j.chain_id].push_back(results.size() - 1);
  }
  auto judge = [&](Result& res, const Exchange& ex, std::size_t i, bool after_check) {
    const rpc::Reply* r = ReplyAt(ex, i);
    if (!r) {
      if (rpc::OutcomeUnknown(ex.outcome) && !after_check) {
        res.verdict = Verdict::kCheck;
        res.unknown = true;
      } else {
        res.verdict = Verdict::kRetry;
      }
      res.error = "eth_sendRawTransaction: " + ex.last_error;
      return;
    }
    if (!r->is_error) {
      if (r->result.is_string() && r->result.get<std::string>() == res.job->tx_hash) {
        res.verdict = Verdict::kSent;
      } else {
        res.verdict = after_check ? Verdict::kRetry : Verdict::kCheck;
        res.error = "eth_sendRawTransaction answered another hash: " + r->result.dump();
      }
      return;
    }
    res.error = ReplyError("eth_sendRawTransaction", *r);
    switch (rpc::ClassifySendError(r->error_code, r->error_message)) {
      case rpc::SendError::kKnown:
        res.verdict = Verdict::kSent;
        break;
      case rpc::SendError::kFatal:
        res.verdict = Verdict::kDead;
        break;
      case rpc::SendError::kInsufficientFunds:
        res.error = "hot wallet " + res.job->from.Checksummed() + " cannot pay: " + res.error;
        res.verdict = Verdict::kRetry;
        break;
      case rpc::SendError::kReprice:
        res.verdict = Verdict::kReprice;
        break;
      case rpc::SendError::kNonceUsed:
      case rpc::SendError::kUnderpriced:
      case rpc::SendError::kUnknown:
        res.verdict = after_check ? Verdict::kRetry : Verdict::kCheck;
        break;
    }
  };
  {
    std::vector<Exchange*> run;
    for (auto& [chain, ex] : sends) run.push_back(&ex);
    if (!gateway_.Run(run)) return;  // stopping: the leases are recovered at the next start
  }
  for (auto& [chain, ex] : sends) {
    const auto& idx = members[chain];
    for (std::size_t i = 0; i < idx.size(); ++i) judge(results[idx[i]], ex, i, false);
    audit_.push_back(std::move(ex));
  }

  // Status check before anything else: is the transaction known to the node (pending or mined)?
  std::map<std::int64_t, Exchange> checks;
  std::map<std::int64_t, std::vector<std::size_t>> checked;
  for (std::size_t k = 0; k < results.size(); ++k) {
    if (results[k].verdict != Verdict::kCheck) continue;
    Job& j = *results[k].job;
    auto it = checks.find(j.chain_id);
    if (it == checks.end())
      it = checks.emplace(j.chain_id, ReadExchange(chains_[j.chain_id].endpoints)).first;
    AddCall(it->second, "eth_getTransactionByHash", {j.tx_hash}, j.Ids());
    checked[j.chain_id].push_back(k);
  }
  std::map<std::int64_t, Exchange> resends;
  std::map<std::int64_t, std::vector<std::size_t>> resent;
  if (!checks.empty()) {
    std::vector<Exchange*> run;
    for (auto& [chain, ex] : checks) run.push_back(&ex);
    if (!gateway_.Run(run)) return;
    for (auto& [chain, ex] : checks) {
      const auto& idx = checked[chain];
      for (std::size_t i = 0; i < idx.size(); ++i) {
        Result& res = results[idx[i]];
        const rpc::Reply* r = ReplyAt(ex, i);
        if (r && !r->is_error && r->result.is_object()) {
          res.verdict = Verdict::kSent;  // the node has it: the send went through
          continue;
        }
        if (!r || r->is_error) {
          res.verdict = Verdict::kRetry;  // cannot tell now; never re-sign, look again later
          res.error += "; status check failed: " + (r ? r->error_message : ex.last_error);
          continue;
        }
        // Unknown to the node. After an unknown outcome: resend the same bytes (same hash).
        if (res.unknown) {
          Job& j = *res.job;
          auto it = resends.find(chain);
          if (it == resends.end()) it = resends.emplace(chain, WriteExchange(chains_[chain].endpoints)).first;
          AddCall(it->second, "eth_sendRawTransaction", {ToHex(j.raw)}, j.Ids());
          resent[chain].push_back(idx[i]);
          continue;
        }
        // "nonce too low" and not this attempt: another attempt of ours at the nonce (a fee
        // bump's sibling) or a transaction not ours took it. The tracker judges which, from the
        // receipts: it settles ours, or ends the withdrawal as replaced_externally.
        if (rpc::ClassifySendError(0, res.error) == rpc::SendError::kNonceUsed) {
          res.verdict = Verdict::kNonceUsed;
        } else {
          res.verdict = Verdict::kRetry;
        }
      }
      audit_.push_back(std::move(ex));
    }
  }
  if (!resends.empty()) {
    std::vector<Exchange*> run;
    for (auto& [chain, ex] : resends) run.push_back(&ex);
    if (!gateway_.Run(run)) return;
    for (auto& [chain, ex] : resends) {
      const auto& idx = resent[chain];
      for (std::size_t i = 0; i < idx.size(); ++i) judge(results[idx[i]], ex, i, true);
      audit_.push_back(std::move(ex));
    }
  }

  // Refused as underpriced: these bytes will not do at today's fees; a new attempt at the same
  // nonce will (DESIGN §6: re-price). Fresh fees first.
  std::set<std::int64_t> reprice_chains;
  for (const auto& res : results) {
    if (res.verdict == Verdict::kReprice) reprice_chains.insert(res.job->chain_id);
  }
  for (std::int64_t chain : reprice_chains) RefreshFees(chains_[chain], true);

  pg::WorkerTransaction txn;
  static const pg::Statement kRefused(
      "UPDATE txrelay.attempts SET status = 'dropped', updated_at = now() WHERE attempt_id = $1::uuid AND status = 'created'",
      {TEXTOID});
  static const pg::Statement kSuperseded(
      "SELECT EXISTS (SELECT FROM txrelay.attempts n WHERE n.chain_id = a.chain_id AND n.from_address = a.from_address "
      "AND n.nonce = a.nonce AND n.created_at > a.created_at) FROM txrelay.attempts a WHERE a.attempt_id = $1::uuid",
      {TEXTOID});
  static const pg::Statement kSentAttempt(
      "UPDATE txrelay.attempts SET status = 'sent', sent_at = coalesce(sent_at, now()), updated_at = now() "
      "WHERE attempt_id = $1::uuid AND status = 'created'",
      {TEXTOID});
  static const pg::Statement kBroadcasted(
      "UPDATE txrelay.withdrawals SET status = 'broadcasted', status_reason = $2 "
      "WHERE withdrawal_id = $1::uuid AND status = 'signed'",
      {TEXTOID, TEXTOID});
  FlushAudit();
  bool tracker_has_work = false;
  for (auto& res : results) {
    Job& j = *res.job;
    switch (res.verdict) {
      case Verdict::kSent:
        kSentAttempt.Run({pg::TextParam(j.attempt_id)});
        if (j.withdrawal_id)
          kBroadcasted.Run({pg::TextParam(*j.withdrawal_id), pg::TextParam("sent: tx " + j.tx_hash)});
        Done(j);
        tracker_has_work = true;
        break;
      case Verdict::kNonceUsed:
        // Recorded as sent so that the tracker looks at it: it finds the nonce used and decides.
        kSentAttempt.Run({pg::TextParam(j.attempt_id)});
        if (j.withdrawal_id) {
          kBroadcasted.Run({pg::TextParam(*j.withdrawal_id),
                            pg::TextParam("its nonce is already used on chain (" + res.error +
                                          "); the tracker decides by whom: tx " + j.tx_hash)});
        }
        Done(j);
        pg::worker::LogWarning("txrelay broadcaster: nonce already used on chain, handed to the tracker: " +
                               res.error + " " + j.Describe());
        tracker_has_work = true;
        break;
      case Verdict::kDead:
        Dead(j, res.error);
        break;
      case Verdict::kReprice: {
        const ChainInfo& chain = chains_[j.chain_id];
        const FeeBump bump = chain.base_fee
                                 ? RequestFeeBump(chain, j.attempt_id, *chain.base_fee, chain.suggested_tip,
                                                  "refused by the node as underpriced (" + res.error + ")")
                                 : FeeBump::kAtCap;
        if (bump == FeeBump::kRequested || bump == FeeBump::kUnderway) {
          kRefused.Run({pg::TextParam(j.attempt_id)});  // never accepted by the node: replaced by the new one
          Cancelled(j, "re-priced: a new attempt at the same nonce replaces this one (" + res.error + ")");
        } else {
          Retry(j, res.error);  // at the caps (or no fee quote): try these bytes again later
        }
        break;
      }
      case Verdict::kRetry:
      case Verdict::kCheck:
        // A re-send of an attempt that a newer one at the same nonce (a fee bump) replaced is
        // pointless - the node refuses it as an underpriced replacement for ever; the tracker
        // follows every attempt at the nonce, whichever is mined.
        if (kSuperseded.Run({pg::TextParam(j.attempt_id)}).front().Bool(0)) {
          Cancelled(j, "superseded by a newer attempt at the same nonce (" + res.error + ")");
        } else {
          Retry(j, res.error);
        }
        break;
    }
  }
  if (tracker_has_work) pg::WakeAtCommit(pg::WorkerKind::kTracker);
  txn.Commit();
}

bool Broadcaster::RunOnce() {
  ReadUnknownNonces();
  std::vector<Job> claimed;
  {
    pg::WorkerTransaction txn;
    claimed = Claim();
    LoadChains(claimed);
    txn.Commit();
  }
  if (claimed.empty()) return false;
  pg::worker::ReportActive("broadcaster: " + std::to_string(claimed.size()) + " outbox rows");
  RefreshMinedNonces(claimed);
  // Chains this process has not reconciled yet are checked now, before anything is signed or
  // sent on them; a check may quarantine a sender, so the claimed rows' sender status is read again.
  bool checked_now = false;
  for (const auto& j : claimed) {
    if (reconciled_chains_.count(j.chain_id) == 0 && ChainReconciledAtStart(j.chain_id)) checked_now = true;
  }
  if (checked_now) RefreshSenderStatus(claimed);
  std::vector<Job> to_sign, to_send, deferred;
  std::vector<std::pair<Job, std::string>> held;
  for (auto& j : claimed) {
    // A quarantined sender's key was used outside txrelay: nothing more is signed or sent with it
    // until an operator has looked. A chain not yet reconciled since this process started (a new
    // primary may lack writes the chain has seen) sends nothing either.
    if (j.sender_status == "quarantined") {
      held.emplace_back(std::move(j),
                        "sender quarantined: held until txrelay.set_sender_status(..., 'active', ...)");
      continue;
    }
    if (!ChainReconciledAtStart(j.chain_id)) {
      held.emplace_back(std::move(j), "waiting for the start-up reconciliation of chain " +
                                          std::to_string(j.chain_id) + " (its node could not be read yet)");
      continue;
    }
    const bool broadcast = j.kind == "broadcast";
    // Sends of nonces at or below the chain's count go out (a resend of ours is harmless, and the
    // node says whose it is); new nonces wait for the in-flight window.
    const auto mined = mined_nonce_.find({j.chain_id, j.from.Checksummed()});
    const bool below = mined != mined_nonce_.end() && j.nonce < mined->second;
    if (!InWindow(j) && !(broadcast && below)) {
      deferred.push_back(std::move(j));
    } else if (broadcast) {
      to_send.push_back(std::move(j));
    } else {
      to_sign.push_back(std::move(j));
    }
  }
  if (!deferred.empty() || !held.empty()) {
    pg::WorkerTransaction txn;
    for (const auto& j : deferred) Defer(j, kWindowRecheckMs);
    for (const auto& [j, why] : held) Defer(j, kHeldRecheckMs, why);
    FlushAudit();
    txn.Commit();
  }
  SignAll(to_sign, to_send);
  SendAll(to_send);
  if (!audit_.empty()) {
    pg::WorkerTransaction txn;
    FlushAudit();
    txn.Commit();
  }
  pg::worker::ReportIdle("broadcaster: waiting for work");
  return deferred.size() + held.size() < claimed.size();
}

void Broadcaster::RefreshSenderStatus(std::vector<Job>& jobs) {
  static const pg::Statement kStatus(
      "SELECT status FROM txrelay.senders WHERE chain_id = $1 AND address = $2", {INT8OID, TEXTOID});
  pg::WorkerTransaction txn;
  for (auto& j : jobs) {
    const auto rows = kStatus.Run({pg::Int8Param(j.chain_id), pg::TextParam(j.from.Checksummed())});
    if (!rows.empty()) j.sender_status = rows.front().Text(0);
  }
  txn.Commit();
}

bool Broadcaster::ChainReconciledAtStart(std::int64_t chain_id) {
  if (reconciled_chains_.count(chain_id)) return true;
  const std::int64_t now = pg::worker::NowMs();
  auto& next_try = next_startup_try_ms_[chain_id];
  if (now < next_try) return false;
  if (startup_check_.RunStartupCheck(chain_id)) {
    reconciled_chains_.insert(chain_id);
    return true;
  }
  next_try = now + kHeldRecheckMs;
  return false;
}

}  // namespace txrelay::bgworker
