#include "store/reconciliation_runs.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

namespace {
pg::Param Scope(const std::optional<std::int64_t>& chain_id) {
  return chain_id ? pg::Int8Param(*chain_id) : pg::NullParam(INT8OID);
}
}  // namespace

std::optional<std::int64_t> OpenRun(const std::optional<std::int64_t>& chain_id) {
  static const pg::Statement kOpen(R"sql(
    SELECT run_id FROM txrelay.reconciliation_runs
     WHERE status IN ('requested', 'running') AND chain_id IS NOT DISTINCT FROM $1 ORDER BY run_id LIMIT 1)sql",
                                   {INT8OID});
  const auto rows = kOpen.Run({Scope(chain_id)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Int64("run_id");
}

std::int64_t RequestRun(const std::optional<std::int64_t>& chain_id) {
  static const pg::Statement kRequest(
      "INSERT INTO txrelay.reconciliation_runs (chain_id) VALUES ($1) RETURNING run_id", {INT8OID});
  return kRequest.Run({Scope(chain_id)}).front().Int64("run_id");
}

void RequeueInterruptedRuns(const std::string& startup_requester) {
  static const pg::Statement kResume(R"sql(
    UPDATE txrelay.reconciliation_runs SET status = 'requested', started_at = NULL
     WHERE status = 'running' AND requested_by <> $1)sql",
                                     {TEXTOID});
  kResume.Run({pg::TextParam(startup_requester)});
}

std::optional<ClaimedRun> ClaimRequestedRun() {
  static const pg::Statement kClaim(R"sql(
    UPDATE txrelay.reconciliation_runs SET status = 'running', started_at = now()
     WHERE run_id = (SELECT run_id FROM txrelay.reconciliation_runs WHERE status = 'requested'
                      ORDER BY run_id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING run_id, chain_id)sql",
                                    {});
  const auto rows = kClaim.Run({});
  if (rows.empty()) return std::nullopt;
  return ClaimedRun{rows.front().Int64("run_id"), rows.front().OptionalInt64("chain_id")};
}

std::int64_t StartStartupRun(const std::string& requester, std::int64_t chain_id) {
  static const pg::Statement kInterrupted(R"sql(
    UPDATE txrelay.reconciliation_runs
       SET status = 'failed', finished_at = now(), error = 'interrupted: the process stopped during the run'
     WHERE status = 'running' AND requested_by = $1 AND chain_id = $2)sql",
                                          {TEXTOID, INT8OID});
  static const pg::Statement kStart(R"sql(
    INSERT INTO txrelay.reconciliation_runs (requested_by, chain_id, status, started_at)
    VALUES ($1, $2, 'running', now()) RETURNING run_id)sql",
                                    {TEXTOID, INT8OID});
  kInterrupted.Run({pg::TextParam(requester), pg::Int8Param(chain_id)});
  return kStart.Run({pg::TextParam(requester), pg::Int8Param(chain_id)}).front().Int64("run_id");
}

RunOutcome FinishRun(std::int64_t run_id, const std::optional<std::string>& error, int findings,
                     const std::string& report_json, bool count_domain) {
  // The domain counts (the database against itself) are read whether or not the chain could be.
  static const pg::Statement kFinish(R"sql(
    UPDATE txrelay.reconciliation_runs r
       SET status = CASE WHEN $2 IS NULL THEN 'done' ELSE 'failed' END, finished_at = now(),
           findings = $3 + coalesce(jsonb_array_length(c.counts -> 'disagreements'), 0),
           report = $4::jsonb, error = $2, domain_counts = c.counts
      FROM (SELECT CASE WHEN $5 THEN txrelay._domain_counts(x.chain_id) END AS counts
              FROM txrelay.reconciliation_runs x WHERE x.run_id = $1) c
     WHERE r.run_id = $1
    RETURNING r.findings::bigint AS findings, coalesce(c.counts -> 'disagreements', '[]') AS disagreements)sql",
                                     {INT8OID, TEXTOID, INT4OID, TEXTOID, BOOLOID});
  const auto r = kFinish
                     .Run({pg::Int8Param(run_id), pg::OptionalTextParam(error), pg::Int4Param(findings),
                           pg::TextParam(report_json), pg::BoolParam(count_domain)})
                     .front();
  return RunOutcome{r.Int64("findings"), r.Text("disagreements")};
}

void LockRunRequests() {
  static const pg::Statement kLock("LOCK TABLE txrelay.reconciliation_runs IN SHARE ROW EXCLUSIVE MODE", {});
  kLock.Run({});
}

}  // namespace txrelay::store
