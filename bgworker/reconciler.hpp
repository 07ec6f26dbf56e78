// Reconciliation runs (DESIGN §7), performed in the tracker process: txrelay.reconcile() queues a
// run; this compares each hot wallet's nonces and balance on chain with the database, quarantines
// a sender whose nonces were used outside txrelay, and writes the report row that txrelay.alerts
// and txrelay.metrics read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bgworker/rpc_gateway.hpp"

namespace txrelay::bgworker {

// requested_by of the broadcaster's start-up runs (the tracker leaves them alone).
inline constexpr const char kStartupRequester[] = "txrelay broadcaster start-up";

class Reconciler {
 public:
  // `process` names the worker in logs ("tracker", "broadcaster").
  Reconciler(RpcGateway& gateway, std::string process) : gateway_(gateway), process_(std::move(process)) {}
  // Performs the oldest requested run, if any; true if it did.
  bool RunRequested();
  // The broadcaster's check of one chain before its first send on a (new) primary (issue 7): a
  // run of that chain performed at once; true if it could read the chain. A sender whose nonces
  // the chain has used beyond the database's is quarantined, as in any run. It does not count the
  // domain (txrelay._domain_counts reads the whole history: 2.6 s at 10^6 withdrawals, every
  // send after a failover would wait for it); the next scheduled run does (decision 59).
  bool RunStartupCheck(std::int64_t chain_id);

 private:
  enum class DomainCounts { kCount, kSkip };
  bool Perform(std::int64_t run_id, const std::optional<std::int64_t>& chain_id, DomainCounts counts);

  RpcGateway& gateway_;
  std::string process_;
  bool resumed_ = false;  // runs left 'running' by a previous process were put back once
};

}  // namespace txrelay::bgworker
