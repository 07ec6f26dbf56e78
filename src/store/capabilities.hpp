// txrelay.node_capabilities (issue 19): what each endpoint and signer was found to do, and which
// are due to be asked again. Read tolerantly: on a 0.1.0 schema (a new library before ALTER
// EXTENSION UPDATE) the table is absent, nothing is probed and every capability is assumed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrelay::rpc {
struct CapabilityFinding;  // core/rpc/probe.hpp (not included here: callers include pg headers first)
}

namespace txrelay::store {

// An endpoint (endpoint_id > 0, its chain) or a signer (its name) whose capabilities are unknown
// or older than the probe interval.
struct ProbeTarget {
  std::int64_t endpoint_id = 0;
  std::int64_t chain_id = 0;
  std::string signer;
  std::string url, url_redacted;
  std::int64_t connect_timeout_ms = 0, request_timeout_ms = 0;
};
std::vector<ProbeTarget> TargetsToProbe(int interval_s);

// Rewrites the findings of one probe (the others of the target stay as they were).
void RecordCapabilities(const ProbeTarget& target, const std::vector<rpc::CapabilityFinding>& findings);

// A signer's URL changed: what was learned of the old one is forgotten (asked again soon).
void ForgetSignerCapabilities(const std::string& signer);

// What the enabled endpoints of a chain were found unable to do, for the tracker's choice of way.
struct ChainCapabilities {
  std::vector<std::int64_t> wrong_chain;  // endpoints that serve another chain: not used
  bool block_receipts = true;             // false: one of the endpoints has no eth_getBlockReceipts
  bool tx_by_sender_and_nonce = true;
};
ChainCapabilities CapabilitiesOfChain(std::int64_t chain_id);

}  // namespace txrelay::store
