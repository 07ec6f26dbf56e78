// rpc::JudgeSend and rpc::JudgeStatusCheck: what the broadcaster does with each answer to
// eth_sendRawTransaction (real node messages: reference/ethereum-rpc.md §4) and to the status
// check that follows an answer that settles nothing.
#include <gtest/gtest.h>

#include <string>

#include "core/rpc/send_verdict.hpp"
#include "rpc_answers.hpp"

using namespace txrelay;
using namespace txrelay::rpc;
using nlohmann::json;

namespace {

const std::string kTx = "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef";
const std::string kFrom = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

Reply Result(json result) {
  Reply reply;
  reply.id = 1;
  reply.result = std::move(result);
  return reply;
}

Reply Error(long code, std::string message) {
  Reply reply;
  reply.id = 1;
  reply.is_error = true;
  reply.error_code = code;
  reply.error_message = std::move(message);
  return reply;
}

SendJudgement Send(const Reply& reply, bool after_check = false) {
  return JudgeSend(&reply, Outcome::kOk, "", kTx, kFrom, after_check);
}

SendJudgement Lost(Outcome outcome, bool after_check = false) {
  return JudgeSend(nullptr, outcome, "Timeout was reached", kTx, kFrom, after_check);
}

}  // namespace

TEST(JudgeSend, OurHashIsSent) {
  const SendJudgement j = Send(Result(kTx));
  EXPECT_EQ(j.verdict, SendVerdict::kSent);
  EXPECT_EQ(j.error, "");
  EXPECT_FALSE(j.outcome_unknown);
}

TEST(JudgeSend, OurHashInAnotherCaseIsSent) {
  const std::string upper = "0x3A6C2442A056774FA019CE24BCAB7A769D7CF29C51D900DFDACD76553D7313EF";
  EXPECT_EQ(Send(Result(upper)).verdict, SendVerdict::kSent);
  const Reply lower = Result(kTx);
  EXPECT_EQ(JudgeSend(&lower, Outcome::kOk, "", upper, kFrom, false).verdict, SendVerdict::kSent);
}

TEST(JudgeSend, AnotherHashIsChecked) {
  const std::string other = "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5";
  SendJudgement j = Send(Result(other));
  EXPECT_EQ(j.verdict, SendVerdict::kCheck);
  EXPECT_EQ(j.error, "eth_sendRawTransaction answered another hash: \"" + other + "\"");
  EXPECT_FALSE(j.outcome_unknown);
  EXPECT_EQ(Send(Result(other), /*after_check=*/true).verdict, SendVerdict::kRetry);
  EXPECT_EQ(Send(Result(kTx.substr(0, 65))).verdict, SendVerdict::kCheck);
}

TEST(JudgeSend, ANonStringResultIsChecked) {
  for (const json& result : {json(nullptr), json(true), json(42), json::array({kTx}), json{{"hash", kTx}}}) {
    const SendJudgement j = Send(Result(result));
    EXPECT_EQ(j.verdict, SendVerdict::kCheck) << result.dump();
    EXPECT_EQ(j.error, "eth_sendRawTransaction answered another hash: " + result.dump());
    EXPECT_EQ(Send(Result(result), true).verdict, SendVerdict::kRetry);
  }
  // A hostile answer is quoted short.
  EXPECT_EQ(Send(Result(std::string(1 << 20, 'x'))).error,
            "eth_sendRawTransaction answered another hash: \"" + std::string(79, 'x') + "...");
}

TEST(JudgeSend, AnUnknownOutcomeIsChecked) {
  for (const Outcome outcome : {Outcome::kReadTimeout, Outcome::kSendFailed}) {
    SendJudgement j = Lost(outcome);
    EXPECT_EQ(j.verdict, SendVerdict::kCheck);
    EXPECT_TRUE(j.outcome_unknown);
    EXPECT_EQ(j.error, "eth_sendRawTransaction: Timeout was reached");
    j = Lost(outcome, /*after_check=*/true);
    EXPECT_EQ(j.verdict, SendVerdict::kRetry);
    EXPECT_EQ(j.error, "eth_sendRawTransaction: Timeout was reached");
  }
}

TEST(JudgeSend, NothingSentOrAFaultIsRetried) {
  for (const Outcome outcome : {Outcome::kConnectFailed, Outcome::kConnectTimeout, Outcome::kHttp429,
                                Outcome::kHttp5xx, Outcome::kBadResponse, Outcome::kOk}) {
    for (const bool after_check : {false, true}) {
      const SendJudgement j = JudgeSend(nullptr, outcome, "HTTP 503", kTx, kFrom, after_check);
      EXPECT_EQ(j.verdict, SendVerdict::kRetry) << Name(outcome);
      EXPECT_FALSE(j.outcome_unknown);
      EXPECT_EQ(j.error, "eth_sendRawTransaction: HTTP 503");
    }
  }
}

TEST(JudgeSend, AReplyWinsOverTheExchangeOutcome) {
  const Reply reply = Result(kTx);
  EXPECT_EQ(JudgeSend(&reply, Outcome::kReadTimeout, "x", kTx, kFrom, false).verdict, SendVerdict::kSent);
}

// Every class of the send-error table, with a real message of anvil (-32003/-32000/-32602) or geth
// (-32000), before and after a status check.
TEST(JudgeSend, EveryClassOfTheSendErrorTable) {
  struct Case {
    long code;
    const char* message;
    SendVerdict first;
    SendVerdict after_check;
  };
  const Case cases[] = {
      {-32003, "transaction already imported", SendVerdict::kSent, SendVerdict::kSent},
      {-32000, "already known", SendVerdict::kSent, SendVerdict::kSent},
      {-32003, "invalid chain id for signer", SendVerdict::kDead, SendVerdict::kDead},
      {-32602, "Failed to decode transaction", SendVerdict::kDead, SendVerdict::kDead},
      {-32602, "invalid string length", SendVerdict::kDead, SendVerdict::kDead},  // by the code
      {-32000, "intrinsic gas too low: gas 20000, minimum needed 21000", SendVerdict::kDead,
       SendVerdict::kDead},
      {-32003, "Insufficient funds for gas * price + value", SendVerdict::kRetry, SendVerdict::kRetry},
      // Looked up before a re-price (issue 19: ganache says "underpriced" of what it holds).
      {-32003, "max fee per gas less than block base fee", SendVerdict::kCheck, SendVerdict::kReprice},
      {-32000, "transaction underpriced", SendVerdict::kCheck, SendVerdict::kReprice},
      {-32000, "txpool is full", SendVerdict::kCheck, SendVerdict::kReprice},
      {-32003, "nonce too low", SendVerdict::kCheck, SendVerdict::kRetry},
      {-32000, "nonce too low: next nonce 5, tx nonce 3", SendVerdict::kCheck, SendVerdict::kRetry},
      {-32003, "replacement transaction underpriced", SendVerdict::kCheck, SendVerdict::kRetry},
      {-32000, "future transaction tries to replace pending", SendVerdict::kCheck, SendVerdict::kRetry},
      {-32603, "internal error", SendVerdict::kCheck, SendVerdict::kRetry},
  };
  for (const Case& c : cases) {
    const Reply reply = Error(c.code, c.message);
    const SendJudgement first = Send(reply);
    EXPECT_EQ(first.verdict, c.first) << c.message;
    EXPECT_FALSE(first.outcome_unknown);
    EXPECT_EQ(Send(reply, /*after_check=*/true).verdict, c.after_check) << c.message;
  }
}

TEST(JudgeSend, ErrorTexts) {
  EXPECT_EQ(Send(Error(-32003, "nonce too low")).error, "eth_sendRawTransaction: -32003 nonce too low");
  EXPECT_EQ(Send(Error(-32003, "transaction already imported")).error,
            "eth_sendRawTransaction: -32003 transaction already imported");
  EXPECT_EQ(
      Send(Error(-32003, "Insufficient funds for gas * price + value")).error,
      "hot wallet 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 cannot pay: eth_sendRawTransaction: -32003 "
      "Insufficient funds for gas * price + value");
  EXPECT_EQ(Send(Error(-32000, std::string(5000, 'q'))).error,
            "eth_sendRawTransaction: -32000 " + std::string(300, 'q') + "...");
}

TEST(JudgeStatusCheck, OnlyACheckIsJudged) {
  for (const SendVerdict verdict : {SendVerdict::kSent, SendVerdict::kRetry, SendVerdict::kDead,
                                    SendVerdict::kNonceUsed, SendVerdict::kReprice, SendVerdict::kResend}) {
    const SendJudgement sent{verdict, "as it was", false};
    const Reply found = Result(rpc_answers::PendingTransaction());
    const SendJudgement j = JudgeStatusCheck(sent, &found, "");
    EXPECT_EQ(j.verdict, verdict) << Name(verdict);
    EXPECT_EQ(j.error, "as it was");
  }
}

TEST(JudgeStatusCheck, KnownToTheNodeIsSent) {
  const Reply pending = Result(rpc_answers::PendingTransaction());
  for (const SendJudgement& sent :
       {Lost(Outcome::kReadTimeout), Send(Error(-32003, "nonce too low")), Send(Result(nullptr))}) {
    const SendJudgement j = JudgeStatusCheck(sent, &pending, "");
    EXPECT_EQ(j.verdict, SendVerdict::kSent) << sent.error;
    EXPECT_EQ(j.error, sent.error);
  }
}

TEST(JudgeStatusCheck, UnknownToTheNodeAfterAnUnknownOutcomeIsResent) {
  const Reply not_found = Result(nullptr);
  const SendJudgement j = JudgeStatusCheck(Lost(Outcome::kSendFailed), &not_found, "");
  EXPECT_EQ(j.verdict, SendVerdict::kResend);
  EXPECT_EQ(j.error, "eth_sendRawTransaction: Timeout was reached");
  // The resend is judged with after_check: nothing leads to a second check.
  const Reply refused_on_resend = Error(-32000, "nonce too low");
  EXPECT_EQ(Send(refused_on_resend, /*after_check=*/true).verdict, SendVerdict::kRetry);
  EXPECT_EQ(Lost(Outcome::kReadTimeout, /*after_check=*/true).verdict, SendVerdict::kRetry);
  const Reply accepted = Result(kTx);
  EXPECT_EQ(Send(accepted, /*after_check=*/true).verdict, SendVerdict::kSent);
}

TEST(JudgeStatusCheck, UnknownToTheNodeAfterNonceTooLowIsNonceUsed) {
  const Reply not_found = Result(nullptr);
  for (const char* message : {"nonce too low", "nonce too low: next nonce 5, tx nonce 3"}) {
    const SendJudgement j = JudgeStatusCheck(Send(Error(-32003, message)), &not_found, "");
    EXPECT_EQ(j.verdict, SendVerdict::kNonceUsed) << message;
    EXPECT_EQ(j.error, "eth_sendRawTransaction: -32003 " + std::string(message));
  }
}

TEST(JudgeStatusCheck, UnknownToTheNodeOtherwiseIsRetried) {
  const Reply not_found = Result(nullptr);
  for (const SendJudgement& sent : {Send(Error(-32003, "replacement transaction underpriced")),
                                    Send(Error(-32603, "internal error")), Send(Result("0x1234"))}) {
    const SendJudgement j = JudgeStatusCheck(sent, &not_found, "");
    EXPECT_EQ(j.verdict, SendVerdict::kRetry) << sent.error;
    EXPECT_EQ(j.error, sent.error);
  }
  // Anything but an object counts as not found, as the broadcaster reads it today.
  const Reply odd = Result(kTx);
  EXPECT_EQ(JudgeStatusCheck(Lost(Outcome::kReadTimeout), &odd, "").verdict, SendVerdict::kResend);
}

TEST(JudgeStatusCheck, AFailedCheckIsRetriedNeverResent) {
  const SendJudgement lost = Lost(Outcome::kReadTimeout);
  SendJudgement j = JudgeStatusCheck(lost, nullptr, "Connection refused");
  EXPECT_EQ(j.verdict, SendVerdict::kRetry);
  EXPECT_EQ(j.error, "eth_sendRawTransaction: Timeout was reached; status check failed: Connection refused");
  // geth while it builds its index: unknown, not "not found".
  const Reply indexing = Error(-32000, "transaction indexing is in progress");
  j = JudgeStatusCheck(Send(Error(-32003, "nonce too low")), &indexing, "");
  EXPECT_EQ(j.verdict, SendVerdict::kRetry);
  EXPECT_EQ(j.error,
            "eth_sendRawTransaction: -32003 nonce too low; status check failed: transaction indexing is in "
            "progress");
  const Reply flood = Error(-32000, std::string(4000, 'f'));
  EXPECT_EQ(JudgeStatusCheck(lost, &flood, "").error,
            lost.error + "; status check failed: " + std::string(300, 'f') + "...");
}

TEST(SendVerdictName, EveryVerdict) {
  EXPECT_EQ(Name(SendVerdict::kSent), "sent");
  EXPECT_EQ(Name(SendVerdict::kRetry), "retry");
  EXPECT_EQ(Name(SendVerdict::kDead), "dead");
  EXPECT_EQ(Name(SendVerdict::kCheck), "check");
  EXPECT_EQ(Name(SendVerdict::kNonceUsed), "nonce_used");
  EXPECT_EQ(Name(SendVerdict::kReprice), "reprice");
  EXPECT_EQ(Name(SendVerdict::kResend), "resend");
}

// Issue 19: a send that may repeat one the node already had is preceded by a lookup.
TEST(JudgeBeforeResend, KnownIsNeverSentAgain) {
  for (const json& tx : {rpc_answers::PendingTransaction(), json{{"hash", kTx}, {"blockNumber", "0x5"}}}) {
    const Reply found = Result(tx);
    for (bool used : {false, true}) {
      const SendJudgement j = JudgeBeforeResend(&found, "", used);
      EXPECT_EQ(j.verdict, SendVerdict::kSent);
      EXPECT_EQ(j.error, "the node already has the transaction: not sent again");
    }
  }
}

TEST(JudgeBeforeResend, UnknownAtAUsedNonceGoesToTheTrackerUnknownAtAFreeNonceIsSent) {
  const Reply not_found = Result(nullptr);
  EXPECT_EQ(JudgeBeforeResend(&not_found, "", /*nonce_used_on_chain=*/true).verdict, SendVerdict::kNonceUsed);
  EXPECT_EQ(JudgeBeforeResend(&not_found, "", /*nonce_used_on_chain=*/false).verdict, SendVerdict::kResend);
}

TEST(JudgeBeforeResend, NoAnswerMeansNoSend) {
  const Reply refused = Error(-32601, "the method eth_getTransactionByHash does not exist");
  for (bool used : {false, true}) {
    EXPECT_EQ(JudgeBeforeResend(&refused, "", used).verdict, SendVerdict::kRetry);
    const SendJudgement lost = JudgeBeforeResend(nullptr, "connect_failed from http://127.0.0.1:1", used);
    EXPECT_EQ(lost.verdict, SendVerdict::kRetry);
    EXPECT_EQ(lost.error,
              "status check before a repeated send failed: connect_failed from http://127.0.0.1:1");
  }
}

TEST(JudgeStatusCheck, UnderpricedIsRepricedOnlyWhenTheNodeDoesNotHoldIt) {
  const SendJudgement first = Send(Error(-32003, "transaction underpriced"));
  ASSERT_EQ(first.verdict, SendVerdict::kCheck);
  const Reply pending = Result(rpc_answers::PendingTransaction());
  EXPECT_EQ(JudgeStatusCheck(first, &pending, "").verdict, SendVerdict::kSent);
  const Reply not_found = Result(nullptr);
  EXPECT_EQ(JudgeStatusCheck(first, &not_found, "").verdict, SendVerdict::kReprice);
}

// Issue 19: ganache re-priced 33 times in 20 s against a foreign transaction holding the nonce.
TEST(JudgeUnderpricedHolder, AnotherTransactionInThePoolMeansWaitNotReprice) {
  const SendJudgement reprice{SendVerdict::kReprice, "eth_sendRawTransaction: -32003 transaction underpriced",
                              false};
  const SendJudgement held = JudgeUnderpricedHolder(reprice, 8, 7);
  EXPECT_EQ(held.verdict, SendVerdict::kRetry);
  EXPECT_NE(held.error.find("another transaction holds nonce 7 in the node's pool (pending count 8)"),
            std::string::npos)
      << held.error;
  EXPECT_NE(held.error.find("transaction underpriced"), std::string::npos);         // the node's words kept
  EXPECT_EQ(JudgeUnderpricedHolder(reprice, 7, 7).verdict, SendVerdict::kReprice);  // nothing there: re-price
  EXPECT_EQ(JudgeUnderpricedHolder(reprice, std::nullopt, 7).verdict, SendVerdict::kReprice);  // unknown
  const SendJudgement sent{SendVerdict::kSent, "as it was", false};
  EXPECT_EQ(JudgeUnderpricedHolder(sent, 99, 7).verdict, SendVerdict::kSent);  // only a re-price is judged
}
