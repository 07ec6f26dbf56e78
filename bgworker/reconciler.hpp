// Reconciliation runs (DESIGN §7), performed in the tracker process: txrelay.reconcile() queues a
// run; this compares each hot wallet's nonces and balance on chain with the database, quarantines
// a sender whose nonces were used outside txrelay, and writes the report row that txrelay.alerts
// and txrelay.metrics read.
#pragma once

#include "bgworker/rpc_gateway.hpp"

namespace txrelay::bgworker {

class Reconciler {
 public:
  explicit Reconciler(RpcGateway& gateway) : gateway_(gateway) {}
  // Performs the oldest requested run, if any; true if it did.
  bool RunRequested();

 private:
  RpcGateway& gateway_;
  bool resumed_ = false;  // runs left 'running' by a previous process were put back once
};

}  // namespace txrelay::bgworker
