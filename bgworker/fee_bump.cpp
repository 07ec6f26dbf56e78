#include "bgworker/fee_bump.hpp"

#include <nlohmann/json.hpp>

#include "bgworker/log_ids.hpp"
#include "bgworker/withdrawal_writes.hpp"
#include "core/rpc/fees.hpp"
#include "pg/spi.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

FeeBump RequestFeeBump(const ChainConfig& chain, const std::string& attempt_id, const Uint256& base_fee,
                       const std::optional<Uint256>& suggested_tip, const std::string& why) {
  static const pg::Statement kAttempt(
      "SELECT a.withdrawal_id::text, a.from_address, a.nonce, a.max_fee_per_gas::text, a.max_priority_fee_per_gas::text, "
      "s.to_address, s.value::text, s.data, d.signer IS NOT NULL, "
      "EXISTS (SELECT FROM txrelay.attempts n WHERE n.chain_id = a.chain_id AND n.from_address = a.from_address "
      "        AND n.nonce = a.nonce AND n.created_at > a.created_at) "
      "OR EXISTS (SELECT FROM txrelay.signature_requests p WHERE p.chain_id = a.chain_id AND p.from_address = a.from_address "
      "        AND p.nonce = a.nonce AND p.kind = 'fee_bump' AND p.status = 'pending'), "
      "EXISTS (SELECT FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = a.withdrawal_id "
      "        AND e.event = 'fee_bump_at_cap' AND e.detail ->> 'attempt_id' = a.attempt_id::text) "
      "FROM txrelay.attempts a JOIN txrelay.signature_requests s USING (signature_request_id) "
      "JOIN txrelay.senders d ON d.chain_id = a.chain_id AND d.address = a.from_address WHERE a.attempt_id = $1::uuid",
      {TEXTOID});
  const auto rows = kAttempt.Run({pg::TextParam(attempt_id)});
  if (rows.empty()) return FeeBump::kGone;
  const auto r = rows.front();
  if (r.Bool(9)) return FeeBump::kUnderway;
  const std::string withdrawal = r.Text(0);
  const std::string nonce_key =
      std::to_string(chain.chain_id) + ":" + r.Text(1) + ":" + std::to_string(r.Int64(2));
  const rpc::FeeQuote previous{ParseAmount(r.Text(3), "max_fee_per_gas", AmountRule::kNonNegative),
                               ParseAmount(r.Text(4), "max_priority_fee_per_gas", AmountRule::kNonNegative),
                               false};
  const rpc::FeeQuote market = rpc::QuoteFees(
      base_fee, suggested_tip.value_or(previous.max_priority_fee_per_gas), chain.fee_cap, chain.tip_cap);
  const auto bump = rpc::BumpFees(previous, market, chain.fee_cap, chain.tip_cap);
  if (!bump) {
    if (!r.Bool(10)) {
      AddWithdrawalNote(
          withdrawal, "fee_bump_at_cap",
          why + "; a bump of 10 % + 1 wei would pass the chain's fee caps: bumping stopped",
          nlohmann::json{{"attempt_id", attempt_id},
                         {"nonce_key", nonce_key},
                         {"max_fee_per_gas", ToDecimal(previous.max_fee_per_gas)},
                         {"max_priority_fee_per_gas", ToDecimal(previous.max_priority_fee_per_gas)},
                         {"max_fee_per_gas_cap", ToDecimal(chain.fee_cap)},
                         {"max_priority_fee_cap", ToDecimal(chain.tip_cap)},
                         {"base_fee", ToDecimal(base_fee)}}
              .dump());
      pg::worker::LogWarning("txrelay: " + why + ", and it cannot be bumped within the fee caps of chain " +
                             std::to_string(chain.chain_id) +
                             ": raise the caps or wait for the base fee to fall " +
                             WithdrawalLogIds(withdrawal, attempt_id));
    }
    return FeeBump::kAtCap;
  }
  static const pg::Statement kRequest(
      "INSERT INTO txrelay.signature_requests (withdrawal_id, kind, chain_id, from_address, nonce, to_address, value, data, "
      "replaces_attempt_id, min_max_fee_per_gas, min_max_priority_fee_per_gas) "
      "VALUES ($1::uuid, 'fee_bump', $2, $3, $4, $5, $6::numeric, $7, $8::uuid, $9::numeric, $10::numeric) "
      "RETURNING signature_request_id::text",
      {TEXTOID, INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, BYTEAOID, TEXTOID, TEXTOID, TEXTOID});
  const auto data = r.Bytes(7);
  const std::string request =
      kRequest
          .Run({pg::TextParam(withdrawal), pg::Int8Param(chain.chain_id), pg::TextParam(r.Text(1)),
                pg::Int8Param(r.Int64(2)), pg::TextParam(r.Text(5)), pg::TextParam(r.Text(6)),
                pg::ByteaParam(data.data(), data.size()), pg::TextParam(attempt_id),
                pg::TextParam(ToDecimal(bump->max_fee_per_gas)),
                pg::TextParam(ToDecimal(bump->max_priority_fee_per_gas))})
          .front()
          .Text(0);
  if (r.Bool(8)) EnqueueSign(chain.chain_id, withdrawal, request);  // else the client signs it
  AddWithdrawalNote(
      withdrawal, "fee_bump_requested", why + ": fee bump requested",
      nlohmann::json{{"attempt_id", attempt_id},
                     {"signature_request_id", request},
                     {"nonce_key", nonce_key},
                     {"min_max_fee_per_gas", ToDecimal(bump->max_fee_per_gas)},
                     {"min_max_priority_fee_per_gas", ToDecimal(bump->max_priority_fee_per_gas)}}
          .dump());
  pg::worker::LogInfo("txrelay: " + why + ": fee bump requested " + WithdrawalLogIds(withdrawal, attempt_id));
  return FeeBump::kRequested;
}

}  // namespace txrelay::bgworker
