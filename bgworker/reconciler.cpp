#include "bgworker/reconciler.hpp"

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bgworker/audit.hpp"
#include "bgworker/chain_config.hpp"
#include "bgworker/exchanges.hpp"
#include "core/log_ids.hpp"
#include "core/nonce_key.hpp"
#include "core/reconciliation.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "store/reconciliation_runs.hpp"
#include "store/senders.hpp"
#include "store/signature_requests.hpp"
#include "store/status_sql.hpp"
#include "pg/postgres.hpp"
#include "pg/spi.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {

struct Sender {
  std::int64_t chain_id = 0;
  std::string address;
  SenderFacts facts;
  std::int64_t open_withdrawals = 0;
  std::int64_t unpriced = 0;  // open withdrawals without a signed attempt yet: their gas is not counted
};

Uint256 Amount(const std::string& text) { return ParseAmount(text, "amount", AmountRule::kNonNegative); }

// Takes the oldest requested run (a second tracker would skip it), or none. The first call of a
// process first puts back a run its predecessor left 'running' (it died mid-run): reconcile()
// returns the open run, so one stuck in 'running' would block every later request.

std::optional<store::ClaimedRun> ClaimRun(bool& resumed) {
  pg::WorkerTransaction txn;
  if (!resumed) {
    store::RequeueInterruptedRuns(kStartupRequester);
    resumed = true;
  }
  auto run = store::ClaimRequestedRun();
  txn.Commit();
  return run;
}

// What the database holds per sender: its next nonce and what its open withdrawals need. A
// withdrawal completed at included:N is paid and needs nothing more.
std::vector<Sender> ReadSenders(const std::optional<std::int64_t>& only_chain,
                                std::map<std::int64_t, ChainConfig>& chains) {
  static const std::string kSql = R"sql(
    SELECT s.chain_id, s.address, s.next_nonce,
           coalesce(sum(CASE WHEN a.contract IS NULL THEN o.amount ELSE 0 END), 0) AS native_amount,
           coalesce(sum(o.burn), 0) AS burn, count(o.withdrawal_id) AS open_withdrawals,
           count(o.withdrawal_id) FILTER (WHERE o.burn IS NULL) AS unpriced,
           coalesce((SELECT min(r.nonce) FROM txrelay.nonce_reservations r
                      WHERE r.chain_id = s.chain_id AND r.from_address = s.address), s.next_nonce) AS first_nonce,
           (SELECT max(x.nonce) FROM txrelay.attempts x
             WHERE x.chain_id = s.chain_id AND x.from_address = s.address) AS max_signed_nonce
      FROM txrelay.senders s
      LEFT JOIN LATERAL (
             SELECT w.withdrawal_id, w.amount, w.asset, w.chain_id,
                    (SELECT x.gas_limit * x.max_fee_per_gas FROM txrelay.attempts x
                      WHERE x.withdrawal_id = w.withdrawal_id ORDER BY x.created_at DESC LIMIT 1) AS burn
               FROM txrelay.nonce_reservations n JOIN txrelay.withdrawals w ON w.withdrawal_id = n.withdrawal_id
              WHERE n.chain_id = s.chain_id AND n.from_address = s.address AND w.completed_at IS NULL
                AND w.status <> ALL ()sql" +
                                  store::StatusArraySql(StatusSet::kFinal) + R"sql()) o ON true
      LEFT JOIN txrelay.assets a ON a.chain_id = o.chain_id AND a.symbol = o.asset
     WHERE $1::bigint IS NULL OR s.chain_id = $1
     GROUP BY s.chain_id, s.address, s.next_nonce ORDER BY s.chain_id, s.address)sql";
  static const pg::Statement kSenders(kSql.c_str(), {INT8OID});
  std::vector<Sender> out;
  pg::WorkerTransaction txn;
  const auto rows = kSenders.Run({only_chain ? pg::Int8Param(*only_chain) : pg::NullParam(INT8OID)});
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    Sender s;
    s.chain_id = r.Int64("chain_id");
    s.address = r.Text("address");
    if (const auto n = r.OptionalInt64("next_nonce")) s.facts.db_next_nonce = static_cast<std::uint64_t>(*n);
    s.facts.need = Amount(r.Text("native_amount")) + Amount(r.Text("burn"));
    s.open_withdrawals = r.Int64("open_withdrawals");
    s.unpriced = r.Int64("unpriced");
    if (const auto n = r.OptionalInt64("first_nonce"))
      s.facts.db_first_nonce = static_cast<std::uint64_t>(*n);
    if (const auto n = r.OptionalInt64("max_signed_nonce"))
      s.facts.db_max_signed_nonce = static_cast<std::uint64_t>(*n);
    if (!chains.count(s.chain_id)) LoadChainConfig(s.chain_id, chains[s.chain_id]);
    out.push_back(std::move(s));
  }
  txn.Commit();
  return out;
}

// One batch per chain: both nonce counts and the balance of every sender. False with `error` set
// when a chain cannot be read (the run fails; nothing is judged on half the facts).
bool ReadChain(RpcGateway& gateway, const ChainConfig& chain, std::vector<Sender*>& senders,
               std::string& error, std::vector<Exchange>& audit) {
  CallIds ids;
  ids.chain_id = chain.chain_id;
  Exchange ex = ReadExchange(chain.endpoints);
  for (const Sender* s : senders) {
    AddCall(ex, "eth_getTransactionCount", {s->address, "latest"}, ids);
    AddCall(ex, "eth_getTransactionCount", {s->address, "pending"}, ids);
    AddCall(ex, "eth_getBalance", {s->address, "latest"}, ids);
  }
  gateway.Run({&ex});
  bool ok = true;
  for (std::size_t i = 0; i < senders.size() && ok; ++i) {
    const rpc::Reply* mined = ReplyAt(ex, 3 * i);
    const rpc::Reply* pending = ReplyAt(ex, 3 * i + 1);
    const rpc::Reply* balance = ReplyAt(ex, 3 * i + 2);
    if (!mined || !pending || !balance || mined->is_error || pending->is_error || balance->is_error) {
      ok = false;
      break;
    }
    const auto m = rpc::HexQuantity(mined->result);
    const auto p = rpc::HexQuantity(pending->result);
    const auto b = rpc::HexQuantity256(balance->result);
    if (!m || !p || !b) {
      ok = false;
      break;
    }
    senders[i]->facts.chain_mined = *m;
    senders[i]->facts.chain_pending = std::max(*m, *p);
    senders[i]->facts.balance = *b;
  }
  if (!ok) {
    error = "chain " + std::to_string(chain.chain_id) + ": cannot read the senders' nonces and balances (" +
            (ex.last_error.empty() ? std::string("bad reply") : ex.last_error) + ")";
  }
  audit.push_back(std::move(ex));
  return ok;
}

// The chain's transactions at the nonces a sender's database never signed (issue 20: what the
// operator must settle after a restore to an earlier point), read where the node can name them.
constexpr std::uint64_t kMostUnknownNonces = 32;
struct Unknown {
  const Sender* sender = nullptr;
  std::uint64_t nonce = 0;
  std::optional<rpc::Reply> reply;  // none: the node did not answer
};

std::vector<Unknown> ReadUnknownTransactions(RpcGateway& gateway,
                                             const std::map<std::int64_t, ChainConfig>& chains,
                                             const std::vector<Sender>& senders,
                                             std::vector<Exchange>& audit) {
  std::map<std::int64_t, Exchange> by_chain;
  std::map<std::int64_t, std::vector<Unknown>> asked;
  for (const Sender& s : senders) {
    const ChainConfig& chain = chains.at(s.chain_id);
    const NonceRange range = UnexplainedNonces(s.facts, kMostUnknownNonces);
    if (!chain.tx_by_sender_and_nonce || range.first == range.last) continue;
    auto it = by_chain.find(s.chain_id);
    if (it == by_chain.end()) it = by_chain.emplace(s.chain_id, ReadExchange(chain.endpoints)).first;
    for (std::uint64_t n = range.first; n < range.last; ++n) {
      AddCall(it->second, "eth_getTransactionBySenderAndNonce", {s.address, rpc::ToHexQuantity(n)},
              ChainIds(s.chain_id));
      asked[s.chain_id].push_back({&s, n, std::nullopt});
    }
  }
  std::vector<Exchange*> run;
  for (auto& [chain, ex] : by_chain) run.push_back(&ex);
  if (!run.empty()) gateway.Run(run);
  std::vector<Unknown> out;
  for (auto& [chain, ex] : by_chain) {
    for (std::size_t i = 0; i < asked[chain].size(); ++i) {
      if (const rpc::Reply* r = ReplyAt(ex, i)) asked[chain][i].reply = *r;
      out.push_back(asked[chain][i]);
    }
    audit.push_back(std::move(ex));
  }
  return out;
}

// One unknown transaction as the report shows it, with the withdrawal reserved at its nonce when
// that withdrawal asks for exactly the same call (its payment, forgotten by the database).
nlohmann::json DescribeUnknown(const Unknown& u, const std::vector<store::RequestAtNonce>& requests) {
  nlohmann::json entry = {{"nonce", u.nonce}};
  const rpc::Reply* r = u.reply ? &*u.reply : nullptr;
  if (!r || r->is_error || !r->result.is_object()) {
    entry["transaction"] = r && r->is_error
                               ? rpc::DescribeErrorReply("eth_getTransactionBySenderAndNonce", *r)
                               : std::string("not named by the node");
    return entry;
  }
  const nlohmann::json& tx = r->result;
  const auto text = [&tx](const char* field) {
    return tx.contains(field) && tx[field].is_string() ? tx[field].get<std::string>() : std::string();
  };
  const CallShape chain_call{text("to"), rpc::HexQuantity256(tx.value("value", nlohmann::json())).value_or(0),
                             text("input")};
  entry["hash"] = text("hash");
  entry["to"] = chain_call.to;
  entry["value"] = ToDecimal(chain_call.value);
  entry["matches"] = nullptr;
  for (const auto& q : requests) {
    if (static_cast<std::uint64_t>(q.nonce) != u.nonce) continue;
    const CallShape asked{q.call.to_address, Amount(q.call.value),
                          ToHex(q.call.data.data(), q.call.data.size())};
    entry[SameCall(chain_call, asked) ? "matches" : "differs_from"] = {{"withdrawal_id", q.withdrawal_id},
                                                                       {"idempotency_key", q.idempotency_key},
                                                                       {"status", q.withdrawal_status}};
  }
  return entry;
}

// The report's list for one sender: the unknown transactions, or why the node cannot name them.
nlohmann::json UnknownReport(const Sender& s, const ChainConfig& chain, const std::vector<Unknown>& unknown) {
  const NonceRange range = UnexplainedNonces(s.facts, kMostUnknownNonces);
  if (range.first == range.last) return nlohmann::json::array();
  if (!chain.tx_by_sender_and_nonce) {
    return nlohmann::json::array(
        {{{"nonces", std::to_string(range.first) + ".." + std::to_string(range.last - 1)},
          {"transaction", "the node has no eth_getTransactionBySenderAndNonce to name them"}}});
  }
  const auto requests = store::PaymentRequestsAt(
      s.chain_id, s.address, static_cast<std::int64_t>(range.first), static_cast<std::int64_t>(range.last));
  nlohmann::json out = nlohmann::json::array();
  for (const Unknown& u : unknown) {
    if (u.sender == &s) out.push_back(DescribeUnknown(u, requests));
  }
  return out;
}

void Quarantine(const std::string& who, std::int64_t run_id, const Sender& s, const Finding& f) {
  const std::string reason = "reconciliation run " + std::to_string(run_id) + ": " + f.what;
  if (!store::Quarantine(s.chain_id, s.address, reason)) return;
  pg::worker::LogWarning(
      who + "CRITICAL: " + reason + "; sender " + s.address + " on chain " + std::to_string(s.chain_id) +
      " quarantined " +
      FormatLogIds({"", "", NonceKey(s.chain_id, s.address, s.facts.db_next_nonce.value_or(0)), "", ""}));
}

nlohmann::json SenderReport(const Sender& s, const nlohmann::json& found, nlohmann::json unknown) {
  return {
      {"chain_id", s.chain_id},
      {"sender", s.address},
      {"db_next_nonce", s.facts.db_next_nonce ? nlohmann::json(*s.facts.db_next_nonce) : nlohmann::json()},
      {"chain_mined", s.facts.chain_mined},
      {"chain_pending", s.facts.chain_pending},
      {"balance", ToDecimal(s.facts.balance)},
      {"need", ToDecimal(s.facts.need)},
      {"open_withdrawals", s.open_withdrawals},
      {"unpriced_withdrawals", s.unpriced},
      {"findings", found},
      {"unknown_transactions", std::move(unknown)}};
}

// Judges every sender, quarantines where a finding says so, and returns the report (per sender:
// chain against database, findings); `findings` counts them.
nlohmann::json JudgeSenders(const std::string& who, std::int64_t run_id, const std::vector<Sender>& senders,
                            const std::map<std::int64_t, ChainConfig>& chains,
                            const std::vector<Unknown>& unknown, int& findings) {
  nlohmann::json report = nlohmann::json::array();
  for (const Sender& s : senders) {
    nlohmann::json found = nlohmann::json::array();
    for (const Finding& f : JudgeSender(s.facts)) {
      ++findings;
      found.push_back({{"kind", FindingName(f.kind)}, {"quarantine", f.quarantine}, {"what", f.what}});
      if (f.quarantine) Quarantine(who, run_id, s, f);
    }
    report.push_back(SenderReport(s, found, UnknownReport(s, chains.at(s.chain_id), unknown)));
  }
  return report;
}

void LogOutcome(const std::string& who, std::int64_t run_id, const std::string& error, std::size_t senders,
                const store::RunOutcome& outcome) {
  const std::string run = "reconciliation run " + std::to_string(run_id);
  if (outcome.disagreements != "[]") {
    pg::worker::LogWarning(who + "CRITICAL: " + run + ": domain counts disagree: " + outcome.disagreements);
  }
  if (!error.empty()) {
    pg::worker::LogWarning(who + run + " failed: " + error);
  } else {
    pg::worker::LogInfo(who + run + " done: " + std::to_string(senders) + " sender(s), " +
                        std::to_string(outcome.findings) + " finding(s)");
  }
}

}  // namespace

bool Reconciler::RunRequested() {
  const auto run = ClaimRun(resumed_);
  if (!run) return false;
  Perform(run->run_id, run->chain_id, DomainCounts::kCount);
  return true;
}

bool Reconciler::RunStartupCheck(std::int64_t chain_id) {
  std::int64_t run_id = 0;
  {
    // A start-up run left 'running' by a predecessor that died during it is over.
    pg::WorkerTransaction txn;
    run_id = store::StartStartupRun(kStartupRequester, chain_id);
    txn.Commit();
  }
  return Perform(run_id, chain_id, DomainCounts::kSkip);
}

bool Reconciler::Perform(std::int64_t run_id, const std::optional<std::int64_t>& chain_id,
                         DomainCounts counts) {
  const std::string who = "txrelay " + process_ + ": ";
  pg::worker::ReportActive(process_ + ": reconciliation run " + std::to_string(run_id));
  std::map<std::int64_t, ChainConfig> chains;
  std::vector<Sender> senders = ReadSenders(chain_id, chains);
  std::map<std::int64_t, std::vector<Sender*>> by_chain;
  for (Sender& s : senders) by_chain[s.chain_id].push_back(&s);

  std::string error;
  std::vector<Exchange> audit;
  for (auto& [chain, list] : by_chain) {
    if (!ReadChain(gateway_, chains[chain], list, error, audit)) break;
  }
  const std::vector<Unknown> unknown =
      error.empty() ? ReadUnknownTransactions(gateway_, chains, senders, audit) : std::vector<Unknown>();
  pg::WorkerTransaction txn;
  for (const auto& ex : audit) WriteAudit(ex);
  int findings = 0;
  // Nothing is judged on half the facts; the domain counts are taken whether or not the chain
  // could be read (a start-up run leaves them out).
  const nlohmann::json report =
      error.empty() ? JudgeSenders(who, run_id, senders, chains, unknown, findings) : nlohmann::json::array();
  const store::RunOutcome outcome =
      store::FinishRun(run_id, error.empty() ? std::nullopt : std::optional<std::string>(error), findings,
                       report.dump(), counts == DomainCounts::kCount);
  txn.Commit();
  LogOutcome(who, run_id, error, senders.size(), outcome);
  return error.empty();
}

}  // namespace txrelay::bgworker
