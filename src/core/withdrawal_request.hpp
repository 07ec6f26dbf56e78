// The payload of a withdrawal request and its fingerprint, which decides whether a second call
// with the same idempotency key is a replay (same fingerprint) or a conflict (TR001).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

// Every field in canonical form: the address checksummed, the amount as plain decimal digits,
// the metadata as PostgreSQL's jsonb text (jsonb normalises key order and spacing).
struct WithdrawalRequest {
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset;
  std::string to_address;
  std::string amount;
  std::string risk_tier;
  std::string metadata;
};

Hash32 RequestFingerprint(const WithdrawalRequest& request);

// Names of the fields in which two requests differ, for the detail of a TR001 error.
std::vector<std::string> DifferingFields(const WithdrawalRequest& a, const WithdrawalRequest& b);

}  // namespace txrelay
