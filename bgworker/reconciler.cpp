#include "bgworker/reconciler.hpp"

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bgworker/audit.hpp"
#include "bgworker/chain_config.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/reconciler_unknown.hpp"
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
    SELECT s.chain_id, s.address, s.signer IS NOT NULL AS has_signer, s.next_nonce,
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
     GROUP BY s.chain_id, s.address, s.signer, s.next_nonce ORDER BY s.chain_id, s.address)sql";
  static const pg::Statement kSenders(kSql.c_str(), {INT8OID});
  std::vector<Sender> out;
  pg::WorkerTransaction txn;
  const auto rows = kSenders.Run({only_chain ? pg::Int8Param(*only_chain) : pg::NullParam(INT8OID)});
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    Sender s;
    s.chain_id = r.Int64("chain_id");
    s.address = r.Text("address");
    s.has_signer = r.Bool("has_signer");
    if (const auto n = r.OptionalInt64("next_nonce")) s.facts.db_next_nonce = static_cast<std::uint64_t>(*n);
    s.facts.need = WeiAmount(r.Text("native_amount")) + WeiAmount(r.Text("burn"));
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

// A sender whose unknown transactions are all recorded (decision 79) is not quarantined for them:
// the broadcaster adopts each for the retried withdrawal at its nonce and signs nothing new with
// the sender meanwhile; the unknown_transaction alert stays open until each is settled.
bool HeldForAdoption(const Finding& f, const Sender& s, const std::set<const Sender*>& held) {
  return held.count(&s) != 0 &&
         (f.kind == FindingKind::kNonceUsedOutside || f.kind == FindingKind::kMinedUnsigned);
}

void LogHeld(const std::string& who, std::int64_t run_id, const Sender& s, const Finding& f) {
  pg::worker::LogWarning(
      who + "CRITICAL: reconciliation run " + std::to_string(run_id) + ": " + f.what + "; sender " +
      s.address + " on chain " + std::to_string(s.chain_id) +
      ": its transactions the database does not know are in txrelay.unknown_transactions; the "
      "retried withdrawal at each nonce adopts it, nothing new is signed with the sender until then");
}

// Judges every sender, quarantines where a finding says so, and returns the report (per sender:
// chain against database, findings); `findings` counts them.
nlohmann::json JudgeSenders(const std::string& who, std::int64_t run_id, const std::vector<Sender>& senders,
                            const std::map<std::int64_t, ChainConfig>& chains,
                            const std::vector<Unknown>& unknown, const std::set<const Sender*>& held,
                            int& findings) {
  nlohmann::json report = nlohmann::json::array();
  for (const Sender& s : senders) {
    nlohmann::json found = nlohmann::json::array();
    for (const Finding& f : JudgeSender(s.facts)) {
      ++findings;
      const bool hold = HeldForAdoption(f, s, held);
      found.push_back(
          {{"kind", FindingName(f.kind)}, {"quarantine", f.quarantine && !hold}, {"what", f.what}});
      if (hold) found.back()["held_for_adoption"] = true;
      if (hold) {
        LogHeld(who, run_id, s, f);
      } else if (f.quarantine) {
        Quarantine(who, run_id, s, f);
      }
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
  WriteAudit(audit);
  int findings = 0;
  // Nothing is judged on half the facts; the domain counts are taken whether or not the chain
  // could be read (a start-up run leaves them out).
  const std::set<const Sender*> held =
      error.empty() ? RecordUnknownTransactions(run_id, senders, unknown) : std::set<const Sender*>();
  const nlohmann::json report = error.empty()
                                    ? JudgeSenders(who, run_id, senders, chains, unknown, held, findings)
                                    : nlohmann::json::array();
  const store::RunOutcome outcome =
      store::FinishRun(run_id, error.empty() ? std::nullopt : std::optional<std::string>(error), findings,
                       report.dump(), counts == DomainCounts::kCount);
  txn.Commit();
  LogOutcome(who, run_id, error, senders.size(), outcome);
  return error.empty();
}

}  // namespace txrelay::bgworker
