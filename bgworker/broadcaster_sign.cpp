// The sign stage: fees from the chain (cached per chain for txrelay.fee_refresh_ms), gas from
// eth_estimateGas, the transaction built and signed by the sender's signer, and the signed bytes
// recorded through txrelay.submit_signed (verified like a client's) before any send.

#include <algorithm>

#include "bgworker/broadcaster.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/keccak.hpp"
#include "core/rpc/block_header.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/signer.hpp"
#include "pg/postgres.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/attempts.hpp"

namespace txrelay::bgworker {

namespace {

// A plain transfer to an account costs exactly 21000; anything else gets 20 % headroom.
std::uint64_t GasWithHeadroom(std::uint64_t estimate) {
  return estimate == 21000 ? 21000 : estimate + estimate / 5;
}

// An EIP-1559 transaction at the job's nonce, priced at the chain's quote; a fee bump at least at
// the tracker's floor (the stuck attempt's + 10 % + 1 wei), more if the market asks more now; the
// tip never above the max fee.
eth::UnsignedTx BuildTx(const Job& j, const ChainInfo& chain, std::uint64_t gas) {
  eth::UnsignedTx tx;
  tx.type = eth::TxType::kDynamicFee;
  tx.chain_id = static_cast<std::uint64_t>(j.chain_id);
  tx.nonce = j.nonce;
  tx.max_fee_per_gas = chain.fees->max_fee_per_gas;
  tx.max_priority_fee_per_gas = chain.fees->max_priority_fee_per_gas;
  if (j.min_fees) {
    tx.max_fee_per_gas = std::max(tx.max_fee_per_gas, j.min_fees->max_fee_per_gas);
    tx.max_priority_fee_per_gas = std::max(tx.max_priority_fee_per_gas, j.min_fees->max_priority_fee_per_gas);
    tx.max_fee_per_gas = std::max(tx.max_fee_per_gas, tx.max_priority_fee_per_gas);
  }
  tx.gas_limit = gas;
  tx.to = j.to;
  tx.value = j.value;
  tx.data = j.data;
  return tx;
}

// Against "latest", named (decision 90): nodes differ when the block is left out (geth: latest;
// anvil, Hardhat, Erigon, newer Besu: pending), and anvil re-executes its whole pool for each
// pending estimate, which in a burst made the estimates most of a round.
nlohmann::json EstimateParams(const Job& j) {
  return nlohmann::json::array({{{"from", j.from.Checksummed()},
                                 {"to", j.to.Checksummed()},
                                 {"value", rpc::ToHexQuantity(j.value)},
                                 {"data", ToHex(j.data)}},
                                "latest"});
}

}  // namespace

void Broadcaster::SignAll(std::vector<Job>& jobs, std::vector<Job>& to_broadcast) {
  if (jobs.empty()) return;
  std::vector<Job> to_sign = ScreenUnknown(jobs, to_broadcast);  // broadcaster_adopt.cpp
  Failures retry, dead;
  const std::vector<Job*> ready = EstimateGas(to_sign, retry, dead);
  const std::vector<Job*> signed_jobs = RequestSignatures(ready, retry);
  RecordSigned(signed_jobs, retry, dead, to_broadcast);
}

bool Broadcaster::RefreshFees(ChainInfo& chain, bool force) {
  const std::int64_t now = pg::worker::NowMs();
  if (!force && chain.fees && now - chain.fees_at_ms < settings.fee_refresh_ms) return true;
  Exchange ex = ReadExchange(chain.endpoints);
  AddCall(ex, "eth_getBlockByNumber", {"latest", false}, ChainIds(chain.chain_id));
  AddCall(ex, "eth_maxPriorityFeePerGas", nlohmann::json::array(), ChainIds(chain.chain_id));
  gateway_.Run({&ex});
  const rpc::Reply* block = ReplyAt(ex, 0);
  const rpc::Reply* tip = ReplyAt(ex, 1);
  std::optional<Uint256> base;
  if (block && !block->is_error) {
    const auto header = rpc::ParseBlockHeader(block->result);
    if (header.ok()) base = header.value->base_fee;
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

// Fees and gas per chain, one batch per chain; the jobs that get a built transaction.
std::vector<Job*> Broadcaster::EstimateGas(std::vector<Job>& jobs, Failures& retry, Failures& dead) {
  Batch<std::int64_t> estimates;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Job& j = jobs[i];
    if (!j.signer) {
      dead.emplace_back(
          &j, "sender " + j.from.Checksummed() + " has no signer: it is client-signed (submit_signed)");
    } else if (!RefreshFees(chains_[j.chain_id])) {
      retry.emplace_back(&j, "cannot read fees of chain " + std::to_string(j.chain_id));
    } else {
      estimates.Add(
          j.chain_id, [&] { return ReadExchange(chains_[j.chain_id].endpoints); }, i, "eth_estimateGas",
          EstimateParams(j), j.Ids());
    }
  }
  estimates.Run(gateway_);
  std::vector<Job*> ready;
  estimates.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    Job& j = jobs[i];
    const ChainInfo& chain = chains_[j.chain_id];
    std::optional<std::uint64_t> estimate;
    if (r && !r->is_error) estimate = rpc::HexQuantity(r->result);
    if (!estimate) {
      retry.emplace_back(&j, !r            ? "eth_estimateGas: " + ex.last_error
                             : r->is_error ? rpc::DescribeErrorReply("eth_estimateGas", *r)
                                           : std::string("eth_estimateGas returned no quantity"));
      return;
    }
    const std::uint64_t gas = GasWithHeadroom(*estimate);
    if (gas > chain.max_gas_limit) {
      dead.emplace_back(&j, "needs " + std::to_string(gas) + " gas, above the chain's max_gas_limit " +
                                std::to_string(chain.max_gas_limit));
      return;
    }
    j.tx = BuildTx(j, chain, gas);
    ready.push_back(&j);
  });
  estimates.MoveTo(audit_);
  return ready;
}

// One batch per signer; the jobs whose signed bytes came back.
std::vector<Job*> Broadcaster::RequestSignatures(const std::vector<Job*>& ready, Failures& retry) {
  Batch<std::string> signs;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    const Job& j = *ready[i];
    signs.Add(
        j.signer->url, [&] { return WriteExchange({*j.signer}); }, i, "eth_signTransaction",
        rpc::SignTransactionParams(j.tx, j.from), j.Ids());
  }
  signs.Run(gateway_);
  std::vector<Job*> signed_jobs;
  signs.ForEach([&](std::size_t i, const rpc::Reply* r, const Exchange& ex) {
    Job& j = *ready[i];
    std::optional<Bytes> raw;
    if (r && !r->is_error) raw = rpc::SignedRawFromResult(r->result);
    if (!raw) {
      retry.emplace_back(
          &j, !r            ? "eth_signTransaction via " + j.signer->redacted + ": " + ex.last_error
              : r->is_error ? rpc::DescribeErrorReply("eth_signTransaction", *r)
                            : std::string("the signer answered neither a raw transaction nor {raw, tx}"));
      return;
    }
    j.signed_raw = *raw;
    const Hash32 h = Keccak256(*raw);
    j.tx_hash = ToHex(h.data(), h.size());
    signed_jobs.push_back(&j);
  });
  signs.MoveTo(audit_);
  return signed_jobs;
}

namespace {

// The send job of an attempt just recorded for sign job `j`: outbox_id 0 until its lease is taken.
Job BroadcastOf(const Job& j, const std::string& attempt_id, const std::string& tx_hash, const Bytes& raw) {
  Job b = j;
  b.kind = "broadcast";
  b.attempt_id = attempt_id;
  b.tx_hash = tx_hash;
  b.raw = raw;
  b.outbox_id = 0;
  return b;
}

}  // namespace

// The signed bytes recorded (and verified by submit_signed), the sign job done, and the send job
// of the new attempt leased at once so that it goes out in this round: the broadcast job
// (outbox_id 0 when its lease was not taken). Throws PgError.
Job Broadcaster::StoreAttempt(const Job& j, const Bytes& raw) {
  const store::SubmittedAttempt attempt = store::SubmitSigned(j.signature_request_id, raw);
  Job b = BroadcastOf(j, attempt.attempt_id, attempt.tx_hash, raw);
  Done(j);
  if (const auto lease = store::LeaseBroadcastOf(b.attempt_id, LeaseOwner(), settings.lease_seconds)) {
    b.outbox_id = lease->outbox_id;
    b.tries = lease->tries;
  }
  return b;
}

// StoreAttempt for the whole round, one statement per table (_submit_signed_round verifies each
// transaction as submit_signed does): the send jobs whose leases were taken. Throws PgError.
std::vector<Job> Broadcaster::StoreRound(const std::vector<Job*>& signed_jobs) {
  std::vector<std::string> request_ids;
  std::vector<Bytes> raws;
  std::vector<std::int64_t> sign_jobs;
  for (const Job* j : signed_jobs) {
    request_ids.push_back(j->signature_request_id);
    raws.push_back(j->signed_raw);
    sign_jobs.push_back(j->outbox_id);
  }
  const std::vector<std::string> attempt_ids = store::SubmitSignedRound(request_ids, raws);
  store::MarkDoneMany(sign_jobs);
  const auto leases = store::LeaseBroadcastsOf(attempt_ids, LeaseOwner(), settings.lease_seconds);
  std::vector<Job> leased;
  for (std::size_t i = 0; i < signed_jobs.size(); ++i) {
    const auto lease = leases.find(attempt_ids.at(i));
    if (lease == leases.end()) continue;  // recorded only (a cancel races): nothing to send
    Job b = BroadcastOf(*signed_jobs[i], attempt_ids[i], signed_jobs[i]->tx_hash, signed_jobs[i]->signed_raw);
    b.outbox_id = lease->second.outbox_id;
    b.tries = lease->second.tries;
    leased.push_back(std::move(b));
  }
  return leased;
}

// One job's signed bytes in their own subtransaction: a refusal cancels the job (TR003: the
// withdrawal moved on) or dead-letters it (the signer signed something else).
void Broadcaster::StoreAttemptAlone(Job& j, Failures& dead, std::vector<Job>& to_broadcast) {
  std::optional<Job> b;
  const auto error = pg::RunInSubTransaction([&] { b = StoreAttempt(j, j.signed_raw); });
  if (!error) {
    if (b->outbox_id != 0) to_broadcast.push_back(std::move(*b));
  } else if (error->sqlerrcode == MAKE_SQLSTATE('T', 'R', '0', '0', '3')) {
    Cancelled(j, "not signed: " + error->message);
  } else {
    dead.emplace_back(
        &j, "the signer's transaction was refused by submit_signed: " + error->message +
                " (a signer that signs something other than what was asked is a security incident)");
  }
}

// The signed bytes are stored before any send: all of the round's in one subtransaction and one
// call (StoreRound), which is what nearly every round needs; if one is refused, the round's are stored again
// one by one, each in its own, so that one refusal does not hold back the others. (A subtransaction per job
// for every round cost its own CPU, and past 64 in one transaction PostgreSQL's snapshots overflow
// to pg_subtrans lookups in every session.)
void Broadcaster::RecordSigned(const std::vector<Job*>& signed_jobs, Failures& retry, Failures& dead,
                               std::vector<Job>& to_broadcast) {
  pg::WorkerTransaction txn;
  std::vector<Job> leased;
  const bool by_round = !signed_jobs.empty() && store::SubmitSignedRoundPresent();  // (0.1.0: one by one)
  const auto round_error =
      !by_round ? std::nullopt : pg::RunInSubTransaction([&] { leased = StoreRound(signed_jobs); });
  if (!by_round || round_error) {
    for (Job* j : signed_jobs) StoreAttemptAlone(*j, dead, to_broadcast);
  } else {
    for (Job& b : leased) to_broadcast.push_back(std::move(b));
  }
  for (auto& [j, why] : retry) Retry(*j, why);
  for (auto& [j, why] : dead) Dead(*j, why);
  FlushAudit();
  txn.Commit();
}

}  // namespace txrelay::bgworker
