// The broadcaster's judgement of an eth_sendRawTransaction answer (DESIGN §6), and of the status
// check (eth_getTransactionByHash) that follows an answer that settles nothing. Pure functions:
// the worker sends, these say what the answers mean.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/outcome.hpp"

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

enum class SendVerdict {
  kSent,       // the node has the transaction: the tracker follows it
  kRetry,      // nothing settled: back off, send the same bytes later
  kDead,       // the transaction itself is invalid: dead letter
  kCheck,      // ask the node for the transaction by hash before anything else
  kNonceUsed,  // "nonce too low" and unknown to the node: the tracker decides by whom
  kReprice,    // refused at today's fees: a new attempt at the same nonce
  kResend,     // unknown to the node after an unknown outcome: send the same bytes again
};

std::string_view Name(SendVerdict verdict);

struct SendJudgement {
  SendVerdict verdict = SendVerdict::kRetry;
  std::string error;             // what the node or the transport said (also set for some kSent)
  bool outcome_unknown = false;  // the request may have been processed: no reply came
};

// `reply` is the answer to the send, or nullptr when the exchange failed as a whole
// (`exchange_outcome` and `transport_error` say how; both are ignored when there is a reply).
// `from_address` names the hot wallet in the insufficient-funds message. `after_check`: this is
// the resend that a status check asked for, so nothing leads to another check (kRetry instead).
SendJudgement JudgeSend(const Reply* reply, Outcome exchange_outcome, std::string_view transport_error,
                        std::string_view expected_tx_hash, std::string_view from_address, bool after_check);

// The answer of eth_getTransactionByHash for a send judged kCheck (`reply` nullptr when the
// exchange failed as a whole). Any other judgement is given back unchanged.
SendJudgement JudgeStatusCheck(const SendJudgement& sent, const Reply* reply,
                               std::string_view transport_error);

// Who holds the nonce in the node's pool, for an "underpriced" answer whose transaction the node
// does not have: the sender's pending count (eth_getTransactionCount "pending"; nullopt when
// unknown). A count above `nonce` means another transaction holds it in the pool - someone else's
// at a higher fee, or an earlier attempt of ours: re-pricing would only start a fee war against
// it (issue 19), so the send waits (kRetry) and the chain decides. Any other judgement is given
// back unchanged.
SendJudgement JudgeUnderpricedHolder(const SendJudgement& checked, std::optional<std::uint64_t> pending_count,
                                     std::uint64_t nonce);

// Before a send that may repeat one the node already had — a broadcast job leased before (a
// retry, or a lease recovered after a crash) or at a nonce the chain has already used — the
// node is asked for the transaction by hash first: some nodes re-execute a mined transaction
// that is sent again (ganache 7.9.2 paid a withdrawal twice that way, issue 19). `reply` is the
// answer of eth_getTransactionByHash (nullptr when the exchange failed). kSent: the node has it,
// nothing is sent. kNonceUsed: unknown, and the chain has used its nonce: the tracker decides by
// whom. kResend: unknown and the nonce is free: send. kRetry: the node could not say: never send
// blind.
SendJudgement JudgeBeforeResend(const Reply* reply, std::string_view transport_error,
                                bool nonce_used_on_chain);

}  // namespace txrelay::rpc
