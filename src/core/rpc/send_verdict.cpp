#include "core/rpc/send_verdict.hpp"

#include "core/rpc/fields.hpp"
#include "core/rpc/parsed.hpp"
#include "core/rpc/send_error.hpp"

namespace txrelay::rpc {

namespace {

constexpr std::string_view kSendMethod = "eth_sendRawTransaction";

// An answer that settles nothing: check the status first, unless this already follows a check.
SendVerdict CheckUnlessAfterCheck(bool after_check) {
  return after_check ? SendVerdict::kRetry : SendVerdict::kCheck;
}

SendJudgement JudgeNoReply(Outcome outcome, std::string_view transport_error, bool after_check) {
  SendJudgement j;
  j.outcome_unknown = OutcomeUnknown(outcome);  // the request may have been processed
  j.verdict = j.outcome_unknown && !after_check ? SendVerdict::kCheck : SendVerdict::kRetry;
  j.error = std::string(kSendMethod) + ": " + std::string(transport_error);
  return j;
}

SendJudgement JudgeResult(const nlohmann::json& result, std::string_view expected_tx_hash, bool after_check) {
  SendJudgement j;
  if (result.is_string() && SameHash(result.get_ref<const std::string&>(), expected_tx_hash)) {
    j.verdict = SendVerdict::kSent;
    return j;
  }
  j.verdict = CheckUnlessAfterCheck(after_check);
  j.error = std::string(kSendMethod) + " answered another hash: " + DescribeValue(result);
  return j;
}

SendJudgement JudgeErrorReply(const Reply& reply, std::string_view from_address, bool after_check) {
  SendJudgement j;
  j.error = DescribeErrorReply(kSendMethod, reply);
  switch (ClassifySendError(reply.error_code, reply.error_message)) {
    case SendError::kKnown:
      j.verdict = SendVerdict::kSent;
      break;
    case SendError::kFatal:
      j.verdict = SendVerdict::kDead;
      break;
    case SendError::kInsufficientFunds:
      j.verdict = SendVerdict::kRetry;  // keep the bytes; the alert asks for funds
      j.error = "hot wallet " + std::string(from_address) + " cannot pay: " + j.error;
      break;
    case SendError::kReprice:
      // Looked up first: a node may say "underpriced" of the very transaction it holds (ganache
      // answers a resend so), and re-pricing it would start a fee war with ourselves.
      j.verdict = after_check ? SendVerdict::kReprice : SendVerdict::kCheck;
      break;
    case SendError::kNonceUsed:
    case SendError::kUnderpriced:
    case SendError::kUnknown:
      j.verdict = CheckUnlessAfterCheck(after_check);
      break;
  }
  return j;
}

}  // namespace

std::string_view Name(SendVerdict verdict) {
  switch (verdict) {
    case SendVerdict::kSent:
      return "sent";
    case SendVerdict::kRetry:
      return "retry";
    case SendVerdict::kDead:
      return "dead";
    case SendVerdict::kCheck:
      return "check";
    case SendVerdict::kNonceUsed:
      return "nonce_used";
    case SendVerdict::kReprice:
      return "reprice";
    case SendVerdict::kResend:
      return "resend";
  }
  return "retry";
}

SendJudgement JudgeSend(const Reply* reply, Outcome exchange_outcome, std::string_view transport_error,
                        std::string_view expected_tx_hash, std::string_view from_address, bool after_check) {
  if (reply == nullptr) return JudgeNoReply(exchange_outcome, transport_error, after_check);
  if (!reply->is_error) return JudgeResult(reply->result, expected_tx_hash, after_check);
  return JudgeErrorReply(*reply, from_address, after_check);
}

SendJudgement JudgeStatusCheck(const SendJudgement& sent, const Reply* reply,
                               std::string_view transport_error) {
  if (sent.verdict != SendVerdict::kCheck) return sent;
  SendJudgement j = sent;
  if (reply != nullptr && !reply->is_error && reply->result.is_object()) {
    j.verdict = SendVerdict::kSent;  // the node has it (pending or mined): the send went through
  } else if (reply == nullptr || reply->is_error) {
    // Cannot tell now: never re-sign, look again later.
    j.verdict = SendVerdict::kRetry;
    j.error += "; status check failed: " +
               (reply != nullptr ? ShortenText(reply->error_message) : std::string(transport_error));
  } else if (sent.outcome_unknown) {
    j.verdict = SendVerdict::kResend;  // unknown to the node: the same bytes (same hash) again
  } else if (ClassifySendError(0, sent.error) == SendError::kReprice) {
    j.verdict = SendVerdict::kReprice;  // not in the pool: these bytes will not do at today's fees
  } else if (ClassifySendError(0, sent.error) == SendError::kNonceUsed) {
    // Another attempt of ours at the nonce (a fee bump's sibling) or a transaction not ours took
    // it: the tracker judges which, from the receipts.
    j.verdict = SendVerdict::kNonceUsed;
  } else {
    j.verdict = SendVerdict::kRetry;
  }
  return j;
}

SendJudgement JudgeUnderpricedHolder(const SendJudgement& checked, std::optional<std::uint64_t> pending_count,
                                     std::uint64_t nonce) {
  if (checked.verdict != SendVerdict::kReprice || !pending_count || *pending_count <= nonce) return checked;
  SendJudgement j = checked;
  j.verdict = SendVerdict::kRetry;
  j.error += "; another transaction holds nonce " + std::to_string(nonce) +
             " in the node's pool (pending count " + std::to_string(*pending_count) +
             "): not re-priced, the chain decides (no fee war)";
  return j;
}

SendJudgement JudgeBeforeResend(const Reply* reply, std::string_view transport_error,
                                bool nonce_used_on_chain) {
  SendJudgement j;
  if (reply != nullptr && !reply->is_error && reply->result.is_object()) {
    j.verdict = SendVerdict::kSent;
    j.error = "the node already has the transaction: not sent again";
  } else if (reply == nullptr || reply->is_error) {
    j.verdict = SendVerdict::kRetry;
    j.error = "status check before a repeated send failed: " +
              (reply != nullptr ? ShortenText(reply->error_message) : std::string(transport_error));
  } else if (nonce_used_on_chain) {
    j.verdict = SendVerdict::kNonceUsed;
    j.error = "unknown to the node and its nonce is used on chain: not sent";
  } else {
    j.verdict = SendVerdict::kResend;
  }
  return j;
}

}  // namespace txrelay::rpc
