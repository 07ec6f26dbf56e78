// request_withdrawals, set-based (issue 23). Every element's arguments are checked first, with
// request_withdrawal's rules (api::CheckRequest); then, element by element, its asset, its risk
// tier and its key: a key a recorded withdrawal holds is that withdrawal's replay or TR001, a key
// an earlier element of the batch holds is that element's replay or TR001. The new withdrawals
// are inserted in one statement, in element order; each one's RESERVE and auto-approval follow
// in that order, as the single call writes them. txrelay._batch (sql/src/51_batch_api.sql) names
// the failing element, reading its index from _batch_failed_at().

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/batch_failure.hpp"
#include "api/intake.hpp"
#include "api/lookups.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/request_counters.hpp"
#include "pg/spi.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

int& failed_at = api::batch_failed_at;

constexpr int kColumns = 8;  // request_withdrawal's arguments, in its order

api::CheckedRequest CheckElement(const std::vector<std::vector<std::string>>& c, std::size_t i) {
  static const char* const kArgNames[kColumns] = {"idempotency_key", "account", "chain_id",  "asset",
                                                  "to_address",      "amount",  "risk_tier", "metadata"};
  for (int k : {0, 1, 3, 4, 6}) CheckArgumentBytes(c[k][i].size(), kArgNames[k], pg::kMaxTextArgumentBytes);
  CheckArgumentBytes(c[7][i].size(), kArgNames[7], pg::kMaxJsonbArgumentBytes);
  CheckJsonObjectText(c[7][i], kArgNames[7]);
  return api::CheckRequest(
      {c[0][i], {c[1][i], std::stoll(c[2][i]), c[3][i], c[4][i], c[5][i], c[6][i], c[7][i]}});
}

std::vector<api::CheckedRequest> Elements(const pg::Args& args) {
  std::vector<std::vector<std::string>> columns;
  for (int k = 0; k < kColumns; ++k) columns.push_back(pg::TextArrayItems(args.Raw(k)));
  for (const auto& column : columns) {
    if (column.size() != columns.front().size())
      throw std::logic_error("_request_batch: the arrays differ in length");
  }
  std::vector<api::CheckedRequest> out;
  for (std::size_t i = 0; i < columns.front().size(); ++i) {
    failed_at = static_cast<int>(i);
    out.push_back(CheckElement(columns, i));
  }
  return out;
}

// What each element turns into: a recorded withdrawal (a replay), the new withdrawal of an
// earlier element with the same request (an in-batch replay), or a new withdrawal of its own.
struct IntakePlan {
  std::vector<std::string> ids;    // per element; a new one's is known once inserted
  std::vector<std::size_t> owner;  // per element: the element whose new withdrawal it returns
  std::vector<std::size_t> fresh;  // the elements to insert, in order
  std::map<std::string, api::RiskTierInfo> tiers;
};

std::map<std::string, store::KeyHolder> HeldKeys(const std::vector<api::CheckedRequest>& elements) {
  std::vector<std::string> keys;
  for (const auto& e : elements) keys.push_back(e.key);
  std::map<std::string, store::KeyHolder> held;
  for (auto& h : store::FindByIdempotencyKeys(keys)) held.emplace(h.idempotency_key, std::move(h));
  return held;
}

// In element order, as the single calls would meet them: the asset, the tier, then the key.
IntakePlan Resolve(const std::vector<api::CheckedRequest>& elements) {
  const auto held = HeldKeys(elements);
  IntakePlan plan{
      std::vector<std::string>(elements.size()), std::vector<std::size_t>(elements.size()), {}, {}};
  std::set<std::pair<std::int64_t, std::string>> assets;
  std::map<std::string, std::size_t> new_keys;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    failed_at = static_cast<int>(i);
    const api::CheckedRequest& r = elements[i];
    plan.owner[i] = i;
    if (!assets.count({r.request.chain_id, r.request.asset})) {
      api::RequireAsset(r.request.chain_id, r.request.asset);
      assets.insert({r.request.chain_id, r.request.asset});
    }
    if (!plan.tiers.count(r.request.risk_tier))
      plan.tiers.emplace(r.request.risk_tier, api::RequireRiskTier(r.request.risk_tier));
    if (const auto h = held.find(r.key); h != held.end()) {
      plan.ids[i] = api::ReplayOf(r, h->second);
    } else if (const auto n = new_keys.find(r.key); n != new_keys.end()) {
      const api::CheckedRequest& earlier = elements[n->second];
      if (earlier.fingerprint != r.fingerprint)
        api::RefuseKeyConflict(r, earlier.request,
                               "requests[" + std::to_string(n->second) + "] of this batch");
      plan.owner[i] = n->second;
    } else {
      new_keys.emplace(r.key, i);
      plan.fresh.push_back(i);
    }
  }
  return plan;
}

// The new withdrawals, each with its element. A key a concurrent transaction committed while
// this one waited on the key's unique index is that withdrawal's replay or TR001, as in the
// single call.
std::vector<std::pair<std::size_t, store::WithdrawalRow>> Insert(
    const std::vector<api::CheckedRequest>& elements, IntakePlan& plan) {
  std::vector<store::NewWithdrawal> rows;
  for (std::size_t i : plan.fresh)
    rows.push_back({elements[i].key, elements[i].fingerprint, elements[i].request});
  failed_at = -1;
  std::map<std::string, store::WithdrawalRow> by_key;
  try {
    for (auto& w : store::InsertWithdrawals(rows)) by_key.emplace(w.idempotency_key, std::move(w));
  } catch (const pg::PgError& e) {
    if (e.sqlerrcode() != MAKE_SQLSTATE('4', '0', '0', '0', '1')) throw;
    throw Error(sqlstate::kSerializationFailure,
                "an idempotency_key of the batch was used by a concurrent transaction",
                "Its withdrawal was committed after this transaction's snapshot was taken.",
                "Retry the batch: each element will return its withdrawal or report a conflict.");
  }
  std::vector<std::pair<std::size_t, store::WithdrawalRow>> inserted;
  for (std::size_t i : plan.fresh) {
    failed_at = static_cast<int>(i);
    if (const auto w = by_key.find(elements[i].key); w != by_key.end()) {
      plan.ids[i] = w->second.id;
      inserted.emplace_back(i, w->second);
    } else if (const auto holder = store::FindByIdempotencyKey(elements[i].key)) {
      plan.ids[i] = api::ReplayOf(elements[i], *holder);
    } else {
      api::RefuseKeyUsedConcurrently(elements[i].key);
    }
  }
  return inserted;
}

}  // namespace

// _request_batch(idempotency_keys, accounts, chain_ids, assets, to_addresses, amounts, risk_tiers,
// metadata, all text[]) -> text[]: the withdrawal of each element, in order.
TXRELAY_SQL_FUNCTION(txrelay_request_batch) {
  const pg::Args args(fcinfo);
  failed_at = -1;
  const std::vector<api::CheckedRequest> elements = Elements(args);
  std::vector<std::string> ids;
  std::size_t created = 0;
  {
    pg::SpiConnection spi;
    IntakePlan plan = Resolve(elements);
    const auto inserted = Insert(elements, plan);
    for (const auto& [i, w] : inserted) {
      failed_at = static_cast<int>(i);
      api::ReserveRequested(elements[i].key, w.id);
      api::AutoApprove(w, plan.tiers.at(w.risk_tier));
    }
    created = inserted.size();
    for (std::size_t i = 0; i < elements.size(); ++i) ids.push_back(plan.ids[plan.owner[i]]);
  }
  failed_at = -1;
  for (std::size_t i = 0; i < elements.size(); ++i)
    pg::CountRequest(i < created ? pg::RequestOutcome::kNew : pg::RequestOutcome::kReplay);
  return pg::MakeTextArray(ids);
}
