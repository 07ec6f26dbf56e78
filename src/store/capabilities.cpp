#include "store/capabilities.hpp"

#include "core/rpc/probe.hpp"
#include "pg/spi.hpp"
#include "store/schema.hpp"

namespace txrelay::store {

namespace {

bool CapabilitiesPresent() { return TablePresent("txrelay.node_capabilities"); }

}  // namespace

std::vector<ProbeTarget> TargetsToProbe(int interval_s) {
  if (!CapabilitiesPresent()) return {};
  // A target is due when one of its findings is missing or old (signers: one finding).
  static const pg::Statement kDue(R"sql(
    SELECT e.endpoint_id, e.chain_id, NULL::text AS signer, e.url, e.url_redacted, e.connect_timeout_ms,
           e.request_timeout_ms
      FROM txrelay.rpc_endpoints e
     WHERE e.enabled
       AND coalesce((SELECT min(c.probed_at) FROM txrelay.node_capabilities c WHERE c.endpoint_id = e.endpoint_id),
                    '-infinity') < now() - make_interval(secs => $1)
    UNION ALL
    SELECT 0, 0, s.name, s.url, s.url_redacted, 0, 0
      FROM txrelay.signers s
     WHERE coalesce((SELECT min(c.probed_at) FROM txrelay.node_capabilities c WHERE c.signer = s.name),
                    '-infinity') < now() - make_interval(secs => $1))sql",
                                  {INT4OID});
  const auto rows = kDue.Run({pg::Int4Param(interval_s)});
  std::vector<ProbeTarget> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Int64("endpoint_id"), r.Int64("chain_id"), r.IsNull("signer") ? "" : r.Text("signer"),
                   r.Text("url"), r.Text("url_redacted"), r.Int64("connect_timeout_ms"),
                   r.Int64("request_timeout_ms")});
  }
  return out;
}

void RecordCapabilities(const ProbeTarget& target, const std::vector<rpc::CapabilityFinding>& findings) {
  static const pg::Statement kUpsert(R"sql(
    INSERT INTO txrelay.node_capabilities (endpoint_id, signer, capability, supported, answer)
    VALUES (nullif($1, 0), nullif($2, ''), $3, $4, $5)
    ON CONFLICT ON CONSTRAINT node_capabilities_key DO UPDATE
       SET supported = EXCLUDED.supported, answer = EXCLUDED.answer, probed_at = now())sql",
                                     {INT8OID, TEXTOID, TEXTOID, BOOLOID, TEXTOID});
  for (const auto& f : findings) {
    kUpsert.Run({pg::Int8Param(target.endpoint_id), pg::TextParam(target.signer), pg::TextParam(f.capability),
                 f.supported ? pg::BoolParam(*f.supported) : pg::NullParam(BOOLOID),
                 pg::TextParam(f.answer)});
  }
}

void ForgetSignerCapabilities(const std::string& signer) {
  if (!CapabilitiesPresent()) return;
  static const pg::Statement kForget("DELETE FROM txrelay.node_capabilities WHERE signer = $1", {TEXTOID});
  kForget.Run({pg::TextParam(signer)});
}

ChainCapabilities CapabilitiesOfChain(std::int64_t chain_id) {
  ChainCapabilities out;
  if (!CapabilitiesPresent()) return out;
  static const pg::Statement kFound(R"sql(
    SELECT c.endpoint_id, c.capability FROM txrelay.node_capabilities c
      JOIN txrelay.rpc_endpoints e ON e.endpoint_id = c.endpoint_id
     WHERE e.chain_id = $1 AND e.enabled AND NOT c.supported
       AND c.capability IN ('serves_chain', 'block_receipts', 'tx_by_sender_and_nonce'))sql",
                                    {INT8OID});
  const auto rows = kFound.Run({pg::Int8Param(chain_id)});
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const std::string capability = rows[i].Text("capability");
    if (capability == "serves_chain") out.wrong_chain.push_back(rows[i].Int64("endpoint_id"));
    if (capability == "block_receipts") out.block_receipts = false;
    if (capability == "tx_by_sender_and_nonce") out.tx_by_sender_and_nonce = false;
  }
  return out;
}

}  // namespace txrelay::store
