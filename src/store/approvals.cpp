#include "store/approvals.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

namespace {

DecisionRow FromRow(const pg::Row& r) {
  return DecisionRow{r.Text("approval_id"), r.Text("withdrawal_id"), r.Text("policy_decision_id"),
                     r.Text("decided_by"), r.Text("decision")};
}

}  // namespace

std::optional<DecisionRow> FindDecisionByApproval(const std::string& approval_id) {
  static const pg::Statement kFind(R"sql(
    SELECT approval_id, withdrawal_id, policy_decision_id, decided_by, decision
      FROM txrelay.approvals WHERE approval_id = $1::uuid)sql",
                                   {TEXTOID});
  const auto rows = kFind.Run({pg::TextParam(approval_id)});
  if (rows.empty()) return std::nullopt;
  return FromRow(rows.front());
}

std::optional<DecisionRow> FindDecisionByPolicy(const std::string& policy_decision_id) {
  static const pg::Statement kFind(R"sql(
    SELECT approval_id, withdrawal_id, policy_decision_id, decided_by, decision
      FROM txrelay.approvals WHERE policy_decision_id = $1)sql",
                                   {TEXTOID});
  const auto rows = kFind.Run({pg::TextParam(policy_decision_id)});
  if (rows.empty()) return std::nullopt;
  return FromRow(rows.front());
}

std::vector<DecisionRow> FindDecisions(const std::vector<std::string>& approval_ids,
                                       const std::vector<std::string>& policy_decision_ids) {
  // The uuid[] is cast once (an init plan), not per row when a plan made on a small table scans.
  static const pg::Statement kFind(R"sql(
    SELECT approval_id, withdrawal_id, policy_decision_id, decided_by, decision
      FROM txrelay.approvals
     WHERE approval_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) OR policy_decision_id = ANY ($2))sql",
                                   {TEXTARRAYOID, TEXTARRAYOID});
  const auto rows = kFind.Run({pg::TextArrayParam(approval_ids), pg::TextArrayParam(policy_decision_ids)});
  std::vector<DecisionRow> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) out.push_back(FromRow(rows[i]));
  return out;
}

void InsertDecisions(const std::vector<DecisionRow>& decisions) {
  static const pg::Statement kInsert(R"sql(
    INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by)
    SELECT a::uuid, w::uuid, p, d, b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
           WITH ORDINALITY u (a, w, p, d, b, n) ORDER BY n)sql",
                                     {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID});
  std::vector<std::string> columns[5];
  for (const DecisionRow& d : decisions) {
    columns[0].push_back(d.approval_id);
    columns[1].push_back(d.withdrawal_id);
    columns[2].push_back(d.policy_decision_id);
    columns[3].push_back(d.decision);
    columns[4].push_back(d.decided_by);
  }
  kInsert.Run({pg::TextArrayParam(columns[0]), pg::TextArrayParam(columns[1]), pg::TextArrayParam(columns[2]),
               pg::TextArrayParam(columns[3]), pg::TextArrayParam(columns[4])});
}

void InsertDecision(const DecisionRow& d, const std::optional<std::string>& reason) {
  static const pg::Statement kInsert(R"sql(
    INSERT INTO txrelay.approvals (approval_id, withdrawal_id, policy_decision_id, decision, decided_by, reason)
    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6))sql",
                                     {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  kInsert.Run({pg::TextParam(d.approval_id), pg::TextParam(d.withdrawal_id),
               pg::TextParam(d.policy_decision_id), pg::TextParam(d.decision), pg::TextParam(d.decided_by),
               pg::OptionalTextParam(reason)});
}

ApprovedTotals AutoApprovedLastDay(const std::string& account, std::int64_t chain_id,
                                   const std::string& asset, const std::string& decider_prefix) {
  // The account's withdrawals of the last day by index (withdrawals_account_recent_idx), then
  // their approvals by primary key: the cost follows one account's day, not the whole history.
  static const pg::Statement kTotals(R"sql(
    SELECT coalesce(sum(w.amount), 0) AS total, count(*) AS n
      FROM txrelay.withdrawals w JOIN txrelay.approvals a ON a.withdrawal_id = w.withdrawal_id
     WHERE w.account = $1 AND w.chain_id = $2 AND w.asset = $3 AND w.created_at > now() - interval '24 hours'
       AND starts_with(a.decided_by, $4))sql",
                                     {TEXTOID, INT8OID, TEXTOID, TEXTOID});
  const auto r = kTotals
                     .Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset),
                           pg::TextParam(decider_prefix)})
                     .front();
  return ApprovedTotals{r.Text("total"), r.Int64("n")};
}

}  // namespace txrelay::store
