#include "bgworker/capability_prober.hpp"

#include "bgworker/audit.hpp"
#include "bgworker/exchanges.hpp"
#include "bgworker/worker_settings.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {

constexpr std::int64_t kLookEveryMs = 5000;     // a cheap query: a new endpoint is asked within seconds
constexpr std::int64_t kSilentRetryMs = 60000;  // after a target answered nothing

Target TargetOf(const store::ProbeTarget& p) {
  Target t;
  t.endpoint_id = p.endpoint_id;
  t.url = p.url;
  t.redacted = p.url_redacted;
  const bool signer = p.endpoint_id == 0;
  t.connect_timeout_ms = signer ? settings.signer_connect_timeout_ms : p.connect_timeout_ms;
  t.request_timeout_ms = signer ? settings.signer_timeout_ms : p.request_timeout_ms;
  return t;
}

std::string Name(const store::ProbeTarget& p) {
  return p.endpoint_id ? "endpoint " + std::to_string(p.endpoint_id) + " (" + p.url_redacted + ") of chain " +
                             std::to_string(p.chain_id)
                       : "signer " + p.signer + " (" + p.url_redacted + ")";
}

// Whether the endpoint answered the call at all (a JSON-RPC reply, even an error).
bool Answered(const Exchange& ex) { return ReplyAt(ex, 0) != nullptr; }

}  // namespace

bool CapabilityProber::RunIfDue() {
  const std::int64_t now = pg::worker::NowMs();
  if (now < next_look_ms_) return false;
  next_look_ms_ = now + kLookEveryMs;
  std::vector<Probe> probes;
  {
    pg::WorkerTransaction txn;
    for (const auto& t : store::TargetsToProbe(settings.capability_probe_interval_s)) {
      if (now >= silent_until_ms_[t.url]) probes.push_back(Prepare(t));
    }
    txn.Commit();
  }
  if (probes.empty()) return false;
  pg::worker::ReportActive("probing " + std::to_string(probes.size()) + " endpoint(s) and signer(s)");
  std::vector<Exchange*> run;
  for (auto& p : probes)
    for (auto& ex : p.exchanges) run.push_back(&ex);
  if (!gateway_.Run(run)) return false;
  bool recorded = false;
  for (const auto& p : probes) recorded |= Record(p);
  return recorded;
}

CapabilityProber::Probe CapabilityProber::Prepare(const store::ProbeTarget& target) {
  Probe probe{target, {}};
  const auto one = [&](const rpc::Call& call) {
    Exchange ex = ReadExchange({TargetOf(target)});
    AddCall(ex, call.method, call.params, CallIds{});
    if (target.endpoint_id) ex.ids.back().chain_id = target.chain_id;
    probe.exchanges.push_back(std::move(ex));
  };
  if (!target.endpoint_id) {
    one(rpc::SignerProbeCall());
    return probe;
  }
  for (const auto& call : rpc::EndpointProbeCalls()) one(call);
  Exchange batch = ReadExchange({TargetOf(target)});
  for (const auto& call : rpc::BatchProbeCalls())
    AddCall(batch, call.method, call.params, ChainIds(target.chain_id));
  probe.exchanges.push_back(std::move(batch));
  return probe;
}

std::vector<rpc::CapabilityFinding> CapabilityProber::Findings(const Probe& p) {
  if (!p.target.endpoint_id) {
    if (!Answered(p.exchanges.front())) return {};
    return {rpc::JudgeSignerProbe(*ReplyAt(p.exchanges.front(), 0))};
  }
  std::vector<const rpc::Reply*> replies;
  for (std::size_t i = 0; i + 1 < p.exchanges.size(); ++i) replies.push_back(ReplyAt(p.exchanges[i], 0));
  auto findings = rpc::JudgeEndpointProbe(p.target.chain_id, replies);
  // A batch is judged on what came back: an answer, or a body that answers no batch; not on a
  // transport failure, which says nothing of batches.
  const Exchange& batch = p.exchanges.back();
  if (batch.outcome == rpc::Outcome::kOk) findings.push_back(rpc::JudgeBatchProbe(batch.replies, ""));
  if (batch.outcome == rpc::Outcome::kBadResponse)
    findings.push_back(rpc::JudgeBatchProbe(std::nullopt, batch.last_error));
  return findings;
}

bool CapabilityProber::Record(const Probe& p) {
  const auto findings = Findings(p);
  {
    pg::WorkerTransaction txn;
    WriteAudit(p.exchanges);
    if (!findings.empty()) store::RecordCapabilities(p.target, findings);
    txn.Commit();
  }
  if (findings.empty()) {
    silent_until_ms_[p.target.url] = pg::worker::NowMs() + kSilentRetryMs;
    pg::worker::LogWarning("txrelay tracker: " + Name(p.target) + " answered no capability probe: " +
                           p.exchanges.front().last_error + "; asking again in 60 s");
    return false;
  }
  silent_until_ms_.erase(p.target.url);
  Report(p.target, findings);
  return true;
}

// What the target cannot do, in the log: a WARNING where txrelay cannot use it as configured.
void CapabilityProber::Report(const store::ProbeTarget& target,
                              const std::vector<rpc::CapabilityFinding>& findings) {
  std::string lacks, blocking;
  for (const auto& f : findings) {
    if (f.supported.value_or(true)) continue;
    const bool blocks =
        f.capability == "serves_chain" || f.capability == "sign_transaction" || f.capability == "batches";
    std::string& into = blocks ? blocking : lacks;
    into += (into.empty() ? "" : "; ") + f.capability + " no (" + f.answer + ")";
  }
  if (!blocking.empty()) {
    pg::worker::LogWarning("txrelay tracker: " + Name(target) + " cannot be used as configured: " + blocking +
                           (lacks.empty() ? "" : "; also " + lacks) + " (see txrelay.alerts)");
  } else if (!lacks.empty()) {
    pg::worker::LogInfo("txrelay tracker: " + Name(target) + " has no " + lacks +
                        "; the workers go the other way");
  }
}

}  // namespace txrelay::bgworker
