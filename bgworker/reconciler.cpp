#include "bgworker/reconciler.hpp"

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bgworker/audit.hpp"
#include "bgworker/chain_config.hpp"
#include "bgworker/exchanges.hpp"
#include "core/log_ids.hpp"
#include "core/reconciliation.hpp"
#include "core/rpc/jsonrpc.hpp"
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
struct Run {
  std::int64_t run_id = 0;
  std::optional<std::int64_t> chain_id;  // none: every chain
};

std::optional<Run> ClaimRun(bool& resumed) {
  pg::WorkerTransaction txn;
  if (!resumed) {
    static const pg::Statement kResume(
        "UPDATE txrelay.reconciliation_runs SET status = 'requested', started_at = NULL "
        "WHERE status = 'running' AND requested_by <> $1",
        {TEXTOID});
    kResume.Run({pg::TextParam(kStartupRequester)});
    resumed = true;
  }
  static const pg::Statement kClaim(
      "UPDATE txrelay.reconciliation_runs SET status = 'running', started_at = now() WHERE run_id = ("
      "  SELECT run_id FROM txrelay.reconciliation_runs WHERE status = 'requested' ORDER BY run_id "
      "  LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING run_id, chain_id",
      {});
  const auto rows = kClaim.Run({});
  txn.Commit();
  if (rows.empty()) return std::nullopt;
  return Run{rows.front().Int64(0), rows.front().OptionalInt64(1)};
}

// What the database holds per sender: its next nonce and what its open withdrawals need. A
// withdrawal completed at included:N is paid and needs nothing more.
std::vector<Sender> ReadSenders(const std::optional<std::int64_t>& only_chain,
                                std::map<std::int64_t, ChainConfig>& chains) {
  static const pg::Statement kSenders(
      "SELECT s.chain_id, s.address, s.next_nonce, "
      "  coalesce(sum(CASE WHEN a.contract IS NULL THEN o.amount ELSE 0 END), 0)::text, "
      "  coalesce(sum(o.burn), 0)::text, count(o.withdrawal_id), count(o.withdrawal_id) FILTER (WHERE o.burn IS NULL), "
      "  coalesce((SELECT min(r.nonce) FROM txrelay.nonce_reservations r "
      "             WHERE r.chain_id = s.chain_id AND r.from_address = s.address), s.next_nonce), "
      "  (SELECT max(x.nonce) FROM txrelay.attempts x WHERE x.chain_id = s.chain_id AND x.from_address = s.address) "
      "FROM txrelay.senders s "
      "LEFT JOIN LATERAL (SELECT w.withdrawal_id, w.amount, w.asset, w.chain_id, "
      "    (SELECT x.gas_limit * x.max_fee_per_gas FROM txrelay.attempts x WHERE x.withdrawal_id = w.withdrawal_id "
      "      ORDER BY x.created_at DESC LIMIT 1) AS burn "
      "   FROM txrelay.nonce_reservations n JOIN txrelay.withdrawals w ON w.withdrawal_id = n.withdrawal_id "
      "  WHERE n.chain_id = s.chain_id AND n.from_address = s.address AND w.completed_at IS NULL "
      "    AND w.status NOT IN ('finalized', 'failed', 'rejected', 'cancelled', 'replaced_externally')) o ON true "
      "LEFT JOIN txrelay.assets a ON a.chain_id = o.chain_id AND a.symbol = o.asset "
      "WHERE $1::bigint IS NULL OR s.chain_id = $1 "
      "GROUP BY s.chain_id, s.address, s.next_nonce ORDER BY s.chain_id, s.address",
      {INT8OID});
  std::vector<Sender> out;
  pg::WorkerTransaction txn;
  const auto rows =
      kSenders.Run({only_chain ? pg::Int8Param(*only_chain) : pg::DatumParam(INT8OID, Datum(0), true)});
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    Sender s;
    s.chain_id = r.Int64(0);
    s.address = r.Text(1);
    if (!r.IsNull(2)) s.facts.db_next_nonce = static_cast<std::uint64_t>(r.Int64(2));
    s.facts.need = Amount(r.Text(3)) + Amount(r.Text(4));
    s.open_withdrawals = r.Int64(5);
    s.unpriced = r.Int64(6);
    if (!r.IsNull(7)) s.facts.db_first_nonce = static_cast<std::uint64_t>(r.Int64(7));
    if (!r.IsNull(8)) s.facts.db_max_signed_nonce = static_cast<std::uint64_t>(r.Int64(8));
    const std::int64_t chain_id = s.chain_id;
    out.push_back(std::move(s));
    if (!chains.count(chain_id)) LoadChainConfig(chain_id, chains[chain_id]);
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
  static const pg::Statement kQuarantine(
      "UPDATE txrelay.senders SET status = 'quarantined', status_reason = $3, status_changed_at = now() "
      "WHERE chain_id = $1 AND address = $2 AND status <> 'quarantined' RETURNING address",
      {INT8OID, TEXTOID, TEXTOID});
  const std::string reason = "reconciliation run " + std::to_string(run_id) + ": " + f.what;
  if (!kQuarantine.Run({pg::Int8Param(s.chain_id), pg::TextParam(s.address), pg::TextParam(reason)})
           .empty()) {
    pg::worker::LogWarning(who + "CRITICAL: " + reason + "; sender " + s.address + " on chain " +
                           std::to_string(s.chain_id) + " quarantined " +
                           FormatLogIds({"", "",
                                         std::to_string(s.chain_id) + ":" + s.address + ":" +
                                             std::to_string(s.facts.db_next_nonce.value_or(0)),
                                         "", ""}));
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
  // A start-up run left 'running' by a predecessor that died during it is over.
  static const pg::Statement kInterrupted(
      "UPDATE txrelay.reconciliation_runs SET status = 'failed', finished_at = now(), "
      "error = 'interrupted: the process stopped during the run' "
      "WHERE status = 'running' AND requested_by = $1 AND chain_id = $2",
      {TEXTOID, INT8OID});
  static const pg::Statement kStart(
      "INSERT INTO txrelay.reconciliation_runs (requested_by, chain_id, status, started_at) "
      "VALUES ($1, $2, 'running', now()) RETURNING run_id",
      {TEXTOID, INT8OID});
  std::int64_t run_id = 0;
  {
    pg::WorkerTransaction txn;
    kInterrupted.Run({pg::TextParam(kStartupRequester), pg::Int8Param(chain_id)});
    run_id = kStart.Run({pg::TextParam(kStartupRequester), pg::Int8Param(chain_id)}).front().Int64(0);
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
  for (auto& [chain_id, list] : by_chain) {
    if (!ReadChain(gateway_, chains[chain_id], list, error, audit)) break;
  }

  pg::WorkerTransaction txn;
  for (const auto& ex : audit) WriteAudit(ex);
  nlohmann::json report = nlohmann::json::array();
  int findings = 0;
  if (error.empty()) {
    for (const Sender& s : senders) {
      nlohmann::json found = nlohmann::json::array();
      for (const Finding& f : JudgeSender(s.facts)) {
        ++findings;
        found.push_back({{"kind", FindingName(f.kind)}, {"quarantine", f.quarantine}, {"what", f.what}});
        if (f.quarantine) Quarantine(who, run_id, s, f);
      }
      report.push_back({{"chain_id", s.chain_id},
                        {"sender", s.address},
                        {"db_next_nonce",
                         s.facts.db_next_nonce ? nlohmann::json(*s.facts.db_next_nonce) : nlohmann::json()},
                        {"chain_mined", s.facts.chain_mined},
                        {"chain_pending", s.facts.chain_pending},
                        {"balance", ToDecimal(s.facts.balance)},
                        {"need", ToDecimal(s.facts.need)},
                        {"open_withdrawals", s.open_withdrawals},
                        {"unpriced_withdrawals", s.unpriced},
                        {"findings", found}});
    }
  }
  // The domain counts (the database against itself) are read whether or not the chain could be;
  // a start-up run leaves them NULL.
  static const pg::Statement kFinish(
      "UPDATE txrelay.reconciliation_runs r SET status = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END, "
      "finished_at = now(), findings = $3 + coalesce(jsonb_array_length(c.counts -> 'disagreements'), 0), "
      "report = $4::jsonb, error = $2, domain_counts = c.counts "
      "FROM (SELECT CASE WHEN $5 THEN txrelay._domain_counts(x.chain_id) END AS counts "
      "        FROM txrelay.reconciliation_runs x WHERE x.run_id = $1) c "
      "WHERE r.run_id = $1 RETURNING r.findings::bigint, coalesce(c.counts -> 'disagreements', '[]')",
      {INT8OID, TEXTOID, INT4OID, TEXTOID, BOOLOID});
  const auto finished =
      kFinish
          .Run({pg::Int8Param(run_id),
                error.empty() ? pg::DatumParam(TEXTOID, Datum(0), true) : pg::TextParam(error),
                pg::Int4Param(findings), pg::TextParam(report.dump()),
                pg::BoolParam(counts == DomainCounts::kCount)})
          .front();
  findings = static_cast<int>(finished.Int64(0));
  const std::string disagreements = finished.Text(1);
  txn.Commit();
  if (disagreements != "[]") {
    pg::worker::LogWarning(who + "CRITICAL: reconciliation run " + std::to_string(run_id) +
                           ": domain counts disagree: " + disagreements);
  }
  if (!error.empty()) {
    pg::worker::LogWarning(who + "reconciliation run " + std::to_string(run_id) + " failed: " + error);
  } else {
    pg::worker::LogInfo(who + "reconciliation run " + std::to_string(run_id) +
                        " done: " + std::to_string(senders.size()) + " sender(s), " +
                        std::to_string(findings) + " finding(s)");
  }
  return error.empty();
}

}  // namespace txrelay::bgworker
