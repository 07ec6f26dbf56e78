// The five identifiers every worker log line about a withdrawal carries (DESIGN §7), always in
// the same order and spelling, "-" for those not known yet, so that one grep for any of them
// finds the withdrawal's story in the server log.
#pragma once

#include <string>

#include "core/cpp_only.hpp"

namespace txrelay {

struct LogIds {
  std::string withdrawal_id;
  std::string idempotency_key;
  std::string nonce_key;
  std::string attempt_id;
  std::string tx_hash;
};

// "[withdrawal_id=… idempotency_key=… nonce_key=… attempt_id=… tx_hash=…]"
std::string FormatLogIds(const LogIds& ids);

}  // namespace txrelay
