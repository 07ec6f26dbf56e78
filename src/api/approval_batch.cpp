// approve_withdrawals, set-based (issue 23): the batch's decisions are checked one by one with the
// single call's rules (api::IsReplay) against what is recorded and what the batch itself decides,
// then written one statement per table: one sender per chain for the whole batch, its nonces a
// consecutive range in element order, the approvals, the status moves, the signature requests and
// the signing jobs. txrelay._batch (sql/src/51_batch_api.sql) checks each element's shape first
// and names the failing element in the error, reading its index from _batch_failed_at().

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/approvals.hpp"
#include "api/batch_failure.hpp"
#include "api/lookups.hpp"
#include "api/senders.hpp"
#include "api/withdrawal_row.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/approvals.hpp"
#include "store/outbox.hpp"
#include "store/senders.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

int& failed_at = api::batch_failed_at;

struct Element {
  std::string withdrawal_id;
  api::Decision decision;
};

std::vector<Element> Elements(const pg::Args& args) {
  const auto ids = pg::TextArrayItems(args.Raw(0));
  const auto approvals = pg::TextArrayItems(args.Raw(1));
  const auto policies = pg::TextArrayItems(args.Raw(2));
  const auto deciders = pg::TextArrayItems(args.Raw(3));
  if (approvals.size() != ids.size() || policies.size() != ids.size() || deciders.size() != ids.size()) {
    throw std::logic_error("_approve_batch: the arrays differ in length");
  }
  std::vector<Element> out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    failed_at = static_cast<int>(i);
    out[i] = {
        ids[i],
        {approvals[i], CheckIdentifier(policies[i], "policy_decision_id"), api::CheckDecider(deciders[i])}};
  }
  return out;
}

// What the batch sees: its withdrawals, locked, and the decisions recorded under its identifiers,
// to which each decided element adds its own (so a later element sees an earlier one's).
struct Ledger {
  std::map<std::string, store::SeenRow> withdrawals;
  std::map<std::string, store::DecisionRow> by_approval, by_policy;

  template <typename Map>
  static std::optional<store::DecisionRow> Find(const Map& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? std::nullopt : std::optional<store::DecisionRow>(it->second);
  }
};

Ledger Load(const std::vector<Element>& elements) {
  std::vector<std::string> ids, approvals, policies;
  for (const Element& e : elements) {
    ids.push_back(e.withdrawal_id);
    approvals.push_back(e.decision.approval_id);
    policies.push_back(e.decision.policy_decision_id);
  }
  Ledger l;
  for (auto& seen : store::LockWithdrawals(ids)) l.withdrawals.emplace(seen.row.id, std::move(seen));
  for (auto& d : store::FindDecisions(approvals, policies)) {
    l.by_approval.emplace(d.approval_id, d);
    l.by_policy.emplace(d.policy_decision_id, d);
  }
  return l;
}

// The elements to approve, in order (replays left out), each checked as the single call checks it.
std::vector<std::size_t> Decide(const std::vector<Element>& elements, Ledger& l) {
  std::vector<std::size_t> to_approve;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    failed_at = static_cast<int>(i);
    const Element& e = elements[i];
    const auto w = l.withdrawals.find(e.withdrawal_id);
    if (w == l.withdrawals.end() || !w->second.sees)
      api::RefuseUnknownWithdrawal(e.withdrawal_id, "withdrawal_id");
    store::WithdrawalRow& row = w->second.row;
    const auto prior = Ledger::Find(l.by_approval, e.decision.approval_id);
    const auto policy = prior ? std::nullopt : Ledger::Find(l.by_policy, e.decision.policy_decision_id);
    if (api::IsReplay(row, e.decision, "approved", prior, policy)) continue;
    const store::DecisionRow d{e.decision.approval_id, row.id, e.decision.policy_decision_id,
                               e.decision.decided_by, "approved"};
    l.by_approval.emplace(d.approval_id, d);
    l.by_policy.emplace(d.policy_decision_id, d);
    row.status = "approved";
    to_approve.push_back(i);
  }
  return to_approve;
}

// A concurrent transaction committed one of the batch's approval_ids or policy_decision_ids
// first (the unique index waited for it): TR007, on the element whose identifier the key names.
[[noreturn]] void RefuseTakenIdentifier(const pg::PgError& e, const std::vector<Element>& elements) {
  const std::string constraint = e.constraint();
  const bool approval = constraint == "approvals_pkey";
  if (!approval && constraint != "approvals_policy_decision_id_key") throw;
  const std::string key = e.data()->detail ? e.data()->detail : "";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto& d = elements[i].decision;
    if (key.find("=(" + (approval ? d.approval_id : d.policy_decision_id) + ")") == std::string::npos)
      continue;
    failed_at = static_cast<int>(i);
    throw Error(sqlstate::kAlreadyUsed,
                approval ? "approval_id " + d.approval_id + " was already used"
                         : "policy_decision_id " + Quote(d.policy_decision_id) + " was already used");
  }
  failed_at = -1;
  throw Error(sqlstate::kAlreadyUsed, "an approval_id or policy_decision_id of the batch was already used",
              key);
}

void RecordDecisions(const std::vector<Element>& elements, const std::vector<std::size_t>& to_approve,
                     const Ledger& l) {
  std::vector<store::DecisionRow> rows;
  std::vector<std::string> ids, reasons;
  for (std::size_t i : to_approve) {
    rows.push_back(l.by_approval.at(elements[i].decision.approval_id));
    ids.push_back(elements[i].withdrawal_id);
    reasons.push_back(api::ApprovalReason(elements[i].decision));
  }
  try {
    store::InsertDecisions(rows);
  } catch (const pg::PgError& e) {
    RefuseTakenIdentifier(e, elements);
  }
  failed_at = -1;
  store::SetStatuses(ids, "approved", reasons);
}

// One chain's approvals: one sender for all (TR008 / TR011 on the chain's first element, before
// anything is written) and its next nonces in element order.
struct ChainPayments {
  std::int64_t chain_id = 0;
  std::vector<std::size_t> elements;
  std::vector<std::string> withdrawal_ids;
  store::LockedSender sender;
  std::int64_t first_nonce = 0;
};

std::vector<ChainPayments> ReserveSenders(const std::vector<Element>& elements,
                                          const std::vector<std::size_t>& to_approve, const Ledger& l) {
  std::vector<ChainPayments> chains;
  for (std::size_t i : to_approve) {
    const std::int64_t chain = l.withdrawals.at(elements[i].withdrawal_id).row.chain_id;
    auto it = std::find_if(chains.begin(), chains.end(),
                           [&](const ChainPayments& c) { return c.chain_id == chain; });
    if (it == chains.end()) it = chains.insert(chains.end(), ChainPayments{chain, {}, {}, {}, 0});
    it->elements.push_back(i);
    it->withdrawal_ids.push_back(elements[i].withdrawal_id);
  }
  for (ChainPayments& c : chains) {
    failed_at = static_cast<int>(c.elements.front());
    c.sender = api::PickSender(c.chain_id, c.withdrawal_ids.front());
  }
  failed_at = -1;
  for (ChainPayments& c : chains)
    c.first_nonce = store::ReserveNonces(c.chain_id, c.sender.address, c.withdrawal_ids);
  return chains;
}

// The signature requests of one chain's approvals, and their signing jobs when the sender signs.
void RequestSignatures(const ChainPayments& c, const Ledger& l) {
  std::map<std::string, api::AssetInfo> assets;
  std::vector<store::PaymentRequest> requests;
  for (std::size_t k = 0; k < c.withdrawal_ids.size(); ++k) {
    failed_at = static_cast<int>(c.elements[k]);  // an asset gone since the request: its element
    const store::WithdrawalRow& w = l.withdrawals.at(c.withdrawal_ids[k]).row;
    auto asset = assets.find(w.asset);
    if (asset == assets.end()) asset = assets.emplace(w.asset, api::RequireAsset(c.chain_id, w.asset)).first;
    requests.push_back({w.id, api::PaymentCall(w, asset->second)});
  }
  failed_at = -1;
  const auto request_ids =
      store::CreatePaymentRequests(c.chain_id, c.sender.address, c.first_nonce, requests);
  if (c.sender.signer) store::EnqueueSigns(c.chain_id, c.withdrawal_ids, request_ids);
}

// As the single call does it, in its order: sender and nonce, approval, status, signature request.
void Approve(const std::vector<Element>& elements, const std::vector<std::size_t>& to_approve,
             const Ledger& l) {
  const std::vector<ChainPayments> chains = ReserveSenders(elements, to_approve, l);
  RecordDecisions(elements, to_approve, l);
  for (const ChainPayments& c : chains) RequestSignatures(c, l);
}

}  // namespace

// _approve_batch(withdrawal_ids text[], approval_ids text[], policy_decision_ids text[],
// decided_by text[]) -> text[]: the withdrawal of each element, in order.
TXRELAY_SQL_FUNCTION(txrelay_approve_batch) {
  const pg::Args args(fcinfo);
  failed_at = -1;
  const std::vector<Element> elements = Elements(args);
  std::vector<std::string> ids;
  {
    pg::SpiConnection spi;
    Ledger l = Load(elements);
    const std::vector<std::size_t> to_approve = Decide(elements, l);
    if (!to_approve.empty()) Approve(elements, to_approve, l);
  }
  failed_at = -1;
  for (const Element& e : elements) ids.push_back(e.withdrawal_id);
  return pg::MakeTextArray(ids);
}
