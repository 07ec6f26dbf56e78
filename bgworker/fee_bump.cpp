#include "bgworker/fee_bump.hpp"

#include <nlohmann/json.hpp>

#include "bgworker/log_ids.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/rpc/fees.hpp"
#include "pg/worker.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

namespace txrelay::bgworker {

namespace {

Uint256 Wei(const std::string& text, const char* field) {
  return ParseAmount(text, field, AmountRule::kNonNegative);
}

// Said once per attempt (the event is the memory): bumping stopped, at the chain's fee caps or at
// txrelay.max_fee_bumps_per_nonce (`stop` says which).
void NoteAtCap(const ChainConfig& chain, const std::string& attempt_id, const store::BumpCandidate& c,
               const rpc::FeeQuote& previous, const Uint256& base_fee, const std::string& why,
               const std::string& stop) {
  if (c.stopped_at_cap) return;
  store::AddNote(c.withdrawal_id, "fee_bump_at_cap", why + "; " + stop + ": bumping stopped",
                 nlohmann::json{{"attempt_id", attempt_id},
                                {"bumps_at_nonce", c.bumps_at_nonce},
                                {"nonce_key", c.nonce_key},
                                {"max_fee_per_gas", ToDecimal(previous.max_fee_per_gas)},
                                {"max_priority_fee_per_gas", ToDecimal(previous.max_priority_fee_per_gas)},
                                {"max_fee_per_gas_cap", ToDecimal(chain.fee_cap)},
                                {"max_priority_fee_cap", ToDecimal(chain.tip_cap)},
                                {"base_fee", ToDecimal(base_fee)}}
                     .dump());
  pg::worker::LogWarning("txrelay: " + why + ", and it cannot be bumped on chain " +
                         std::to_string(chain.chain_id) + ": " + stop + " " +
                         WithdrawalLogIds(c.withdrawal_id, attempt_id));
}

void Request(const ChainConfig& chain, const std::string& attempt_id, const store::BumpCandidate& c,
             const rpc::FeeQuote& bump, const std::string& why) {
  const std::string request = store::CreateReplacingRequest(
      c.withdrawal_id, "fee_bump", chain.chain_id, c.from_address, c.nonce, {c.to_address, c.value, c.data},
      attempt_id, ToDecimal(bump.max_fee_per_gas), ToDecimal(bump.max_priority_fee_per_gas));
  if (c.has_signer) store::EnqueueSign(chain.chain_id, c.withdrawal_id, request);  // else the client signs it
  store::AddNote(c.withdrawal_id, "fee_bump_requested", why + ": fee bump requested",
                 nlohmann::json{{"attempt_id", attempt_id},
                                {"signature_request_id", request},
                                {"nonce_key", c.nonce_key},
                                {"min_max_fee_per_gas", ToDecimal(bump.max_fee_per_gas)},
                                {"min_max_priority_fee_per_gas", ToDecimal(bump.max_priority_fee_per_gas)}}
                     .dump());
  pg::worker::LogInfo("txrelay: " + why + ": fee bump requested " +
                      WithdrawalLogIds(c.withdrawal_id, attempt_id));
}

}  // namespace

FeeBump RequestFeeBump(const ChainConfig& chain, const std::string& attempt_id, const Uint256& base_fee,
                       const std::optional<Uint256>& suggested_tip, const std::string& why) {
  const auto candidate = store::FindBumpCandidate(attempt_id);
  if (!candidate) return FeeBump::kGone;
  if (candidate->bump_underway) return FeeBump::kUnderway;
  const rpc::FeeQuote previous{Wei(candidate->max_fee_per_gas, "max_fee_per_gas"),
                               Wei(candidate->max_priority_fee_per_gas, "max_priority_fee_per_gas"), false};
  const rpc::FeeQuote market = rpc::QuoteFees(
      base_fee, suggested_tip.value_or(previous.max_priority_fee_per_gas), chain.fee_cap, chain.tip_cap);
  // No fee war (issue 19): a node that keeps calling each new attempt underpriced gets a bounded
  // number of them per nonce, then an alert and a person.
  if (candidate->bumps_at_nonce >= settings.max_fee_bumps_per_nonce) {
    NoteAtCap(chain, attempt_id, *candidate, previous, base_fee, why,
              std::to_string(candidate->bumps_at_nonce) +
                  " fee bumps at this nonce already (txrelay.max_fee_bumps_per_nonce)");
    return FeeBump::kAtCap;
  }
  const auto bump = rpc::BumpFees(previous, market, chain.fee_cap, chain.tip_cap);
  if (!bump) {
    NoteAtCap(chain, attempt_id, *candidate, previous, base_fee, why,
              "a bump of 10 % + 1 wei would pass the chain's fee caps (raise them or wait for the base fee "
              "to fall)");
    return FeeBump::kAtCap;
  }
  Request(chain, attempt_id, *candidate, *bump, why);
  return FeeBump::kRequested;
}

}  // namespace txrelay::bgworker
