// Ledger checkpoints signed by an audit key the database does not hold (decision 67): in the
// tracker process, each checkpoint from the configured one on is sent to the audit signer
// (eth_sign, EIP-191 over its 32-byte hash); the signature is checked, stored, logged and sent
// with NOTIFY txrelay_checkpoints for an outside archive.
#pragma once

#include <cstdint>

#include "bgworker/rpc_gateway.hpp"

namespace txrelay::bgworker {

class CheckpointSigner {
 public:
  explicit CheckpointSigner(RpcGateway& gateway) : gateway_(gateway) {}
  // Signs the checkpoints waiting for a signature, if it is time to look; true if it signed one.
  bool RunIfDue();

 private:
  // Signs one; false (and says why in the log) when the signer failed or answered wrongly.
  bool Sign(std::int64_t version, const std::string& hash_hex, const std::string& address,
            const Target& signer);
  RpcGateway& gateway_;
  std::int64_t next_look_ms_ = 0;
};

}  // namespace txrelay::bgworker
