// Capabilities, probed (issue 19): in the tracker process, every endpoint and signer is asked
// what it can do (core/rpc/probe) when it is new - within seconds of add_rpc_endpoint or
// add_signer - and every txrelay.capability_probe_interval after; the findings go to
// txrelay.node_capabilities, where the tracker reads its way and txrelay.alerts reads what a
// person must fix (an endpoint of another chain, a signer that cannot sign, no batches, tags that
// follow latest).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bgworker/rpc_gateway.hpp"
#include "core/rpc/probe.hpp"
#include "store/capabilities.hpp"

namespace txrelay::bgworker {

class CapabilityProber {
 public:
  explicit CapabilityProber(RpcGateway& gateway) : gateway_(gateway) {}
  // Probes what is due; true if it recorded anything.
  bool RunIfDue();

 private:
  // The exchanges of one target's probe: one per single call, then the batch (endpoints).
  struct Probe {
    store::ProbeTarget target;
    std::vector<Exchange> exchanges;
  };
  static Probe Prepare(const store::ProbeTarget& target);
  // Reads the answers; false when the target answered nothing (asked again after a while).
  bool Record(const Probe& probe);
  static std::vector<rpc::CapabilityFinding> Findings(const Probe& probe);
  static void Report(const store::ProbeTarget& target, const std::vector<rpc::CapabilityFinding>& findings);

  RpcGateway& gateway_;
  std::int64_t next_look_ms_ = 0;
  std::map<std::string, std::int64_t> silent_until_ms_;  // targets that answered nothing, by URL
};

}  // namespace txrelay::bgworker
