// The pure pieces of the RPC gateway: outcome classes, the send-error table against real node
// messages (anvil verified, geth from source: reference/ethereum-rpc.md §4), backoff, breaker,
// rate limit, JSON-RPC framing, fees and the signer's answers.
#include <set>

#include "core/eth/transaction.hpp"
#include "core/rpc/backoff.hpp"
#include "core/rpc/circuit_breaker.hpp"
#include "core/rpc/fees.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/outcome.hpp"
#include "core/rpc/rate_limiter.hpp"
#include "core/rpc/send_error.hpp"
#include "core/rpc/signer.hpp"
#include "test_support.hpp"

using namespace txrelay;
using namespace txrelay::rpc;

TEST(SendErrorTable, AnvilMessages) {
  EXPECT_EQ(ClassifySendError(-32003, "transaction already imported"), SendError::kKnown);
  EXPECT_EQ(ClassifySendError(-32003, "nonce too low"), SendError::kNonceUsed);
  EXPECT_EQ(ClassifySendError(-32003, "replacement transaction underpriced"), SendError::kUnderpriced);
  EXPECT_EQ(ClassifySendError(-32003, "Insufficient funds for gas * price + value"),
            SendError::kInsufficientFunds);
  EXPECT_EQ(ClassifySendError(-32000, "intrinsic gas too low"), SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "intrinsic gas too high -- tx.gas_limit > env.block.gas_limit"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32003, "invalid chain id for signer"), SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32003, "max fee per gas less than block base fee"), SendError::kReprice);
  EXPECT_EQ(ClassifySendError(-32003, "max priority fee per gas higher than max fee per gas"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32602, "Failed to decode transaction"), SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32602, "Empty transaction data"), SendError::kFatal);
}

TEST(SendErrorTable, GethMessages) {
  EXPECT_EQ(ClassifySendError(-32000, "already known"), SendError::kKnown);
  EXPECT_EQ(ClassifySendError(-32000, "nonce too low: next nonce 5, tx nonce 3"), SendError::kNonceUsed);
  EXPECT_EQ(ClassifySendError(-32000, "replacement transaction underpriced"), SendError::kUnderpriced);
  EXPECT_EQ(ClassifySendError(-32000,
                              "insufficient funds for gas * price + value: balance 1, tx cost 2, overshot 1"),
            SendError::kInsufficientFunds);
  EXPECT_EQ(ClassifySendError(-32000, "intrinsic gas too low: gas 20000, minimum needed 21000"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "exceeds block gas limit"), SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "invalid sender: invalid chain id for signer: have 1 want 31337"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "only replay-protected (EIP-155) transactions allowed over RPC"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "transaction underpriced"), SendError::kReprice);
  EXPECT_EQ(ClassifySendError(-32000, "txpool is full"), SendError::kReprice);
  EXPECT_EQ(ClassifySendError(-32000, "transaction gas price below minimum: gas tip cap 0, minimum needed 1"),
            SendError::kReprice);
  EXPECT_EQ(ClassifySendError(-32000, "transaction gas limit too high (cap: 16777216, tx: 20000000)"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "tx fee (2.00 ether) exceeds the configured cap (1.00 ether)"),
            SendError::kFatal);
  EXPECT_EQ(ClassifySendError(-32000, "rlp: expected input list for types.LegacyTx"), SendError::kFatal);
}

// Every other node's words (issue 19; sources in docs/nodes.md).
TEST(SendErrorTable, OtherNodesMessages) {
  const struct {
    const char* node;
    long code;
    const char* message;
    SendError expected;
  } kRows[] = {
      {"ganache", -32000,
       "the tx doesn't have the correct nonce. account has nonce of: 11 tx has nonce of: 10",
       SendError::kNonceUsed},
      {"ganache", -32000,
       "the tx doesn't have the correct nonce. account has nonce of: 10 tx has nonce of: 12",
       SendError::kUnknown},
      {"ganache", -32003, "transaction underpriced", SendError::kReprice},
      {"ganache", -32003, "insufficient funds for gas * price + value", SendError::kInsufficientFunds},
      {"ganache", -32000,
       "VM Exception while processing transaction: Transaction's maxFeePerGas (1) is less than the block's "
       "baseFeePerGas (7) (vm hf=shanghai -> block -> tx)",
       SendError::kReprice},
      {"ganache", -32000, "Invalid chain id (1) for chain with id 1337.", SendError::kFatal},
      {"Hardhat", -32000,
       "Known transaction: 0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef",
       SendError::kKnown},
      {"Hardhat", -32000,
       "Nonce too low. Expected nonce to be 5 but got 3. Note that transactions can't be queued when automining.",
       SendError::kNonceUsed},
      {"Hardhat", -32000,
       "Nonce too high. Expected nonce to be 3 but got 5. Note that transactions can't be queued when automining.",
       SendError::kUnknown},
      {"Hardhat", -32000,
       "Sender doesn't have enough funds to send tx. The max upfront cost is: 100 and the sender's balance is: 1.",
       SendError::kInsufficientFunds},
      {"Hardhat", -32000, "Transaction requires at least 21000 gas but got 20000", SendError::kFatal},
      {"Hardhat", -32000,
       "Transaction maxFeePerGas (1) is too low for the next block, which has a baseFeePerGas of 875000000",
       SendError::kReprice},
      {"Hardhat", -32000,
       "Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 11 is necessary to replace the "
       "existing transaction with nonce 3.",
       SendError::kUnderpriced},
      {"Hardhat", -32602, "Trying to send an incompatible EIP-155 transaction, signed for another chain.",
       SendError::kFatal},
      {"Besu", -32000, "Known transaction", SendError::kKnown},
      {"Besu", -32001, "Nonce too low", SendError::kNonceUsed},
      {"Besu", -32004, "Upfront cost exceeds account balance", SendError::kInsufficientFunds},
      {"Besu", -32003, "Intrinsic gas exceeds gas limit", SendError::kFatal},
      {"Besu", -32009, "Gas price below configured minimum gas price", SendError::kReprice},
      {"Besu", -32000, "Wrong chainId", SendError::kFatal},
      {"Besu", -32002, "Invalid signature", SendError::kFatal},
      {"Besu", -32000, "Transaction fee cap exceeded", SendError::kFatal},
      {"Nethermind", -32010, "OldNonce, Current nonce: 5, nonce of rejected tx: 3", SendError::kNonceUsed},
      {"Nethermind", -32010, "AlreadyKnown", SendError::kKnown},
      {"Nethermind", -32010, "InsufficientFunds, Account balance: 1, cumulative cost: 2",
       SendError::kInsufficientFunds},
      {"Nethermind", -32010, "ReplacementNotAllowed", SendError::kUnderpriced},
      {"Nethermind", -32010, "FeeTooLow", SendError::kReprice},
      {"Nethermind", -32000, "nonce too low, Current nonce: 5, nonce of rejected tx: 3",
       SendError::kNonceUsed},
      {"Nethermind", -32000, "transaction invalid, InvalidTxChainId: Expected 1, got 5.", SendError::kFatal},
      {"Erigon", -32000, "ALREADY_EXISTS: already known", SendError::kKnown},
      {"Erigon", -32000, "INTERNAL_ERROR: nonce too low", SendError::kNonceUsed},
      {"Erigon", -32000, "INTERNAL_ERROR: could not replace existing tx", SendError::kUnderpriced},
      {"Erigon", -32000, "INTERNAL_ERROR: insufficient funds", SendError::kInsufficientFunds},
      {"Erigon", -32000, "INTERNAL_ERROR: IntrinsicGas", SendError::kFatal},
      {"Erigon", -32000, "FEE_TOO_LOW: underpriced", SendError::kReprice},
      {"reth", -32003, "insufficient funds for gas * price + value: have 1 want 2",
       SendError::kInsufficientFunds},
      {"reth", -32003, "transaction priority fee below minimum required priority fee 1", SendError::kReprice},
      {"reth", -32000,
       "tx fee (2000000000000000000 wei) exceeds the configured cap (1000000000000000000 wei)",
       SendError::kFatal},
      {"reth", -32602, "invalid transaction signature", SendError::kFatal},
  };
  for (const auto& row : kRows) {
    SCOPED_TRACE(std::string(row.node) + ": " + row.message);
    EXPECT_EQ(ClassifySendError(row.code, row.message), row.expected);
  }
}

TEST(SendErrorTable, CaseInsensitiveAndUnknownIsUnknown) {
  // The anchors' commonest bugs: case-sensitive matching, "nonce too low" retried, unknown
  // errors retried for ever.
  EXPECT_EQ(ClassifySendError(-32000, "NONCE TOO LOW"), SendError::kNonceUsed);
  EXPECT_EQ(ClassifySendError(-32000, "INSUFFICIENT FUNDS"), SendError::kInsufficientFunds);
  EXPECT_EQ(ClassifySendError(-32000, "future transaction tries to replace pending"), SendError::kUnknown);
  EXPECT_EQ(ClassifySendError(-32603, "internal error"), SendError::kUnknown);
  EXPECT_EQ(ClassifySendError(0, ""), SendError::kUnknown);
  std::set<std::string> names;
  for (auto e :
       {SendError::kKnown, SendError::kNonceUsed, SendError::kUnderpriced, SendError::kInsufficientFunds,
        SendError::kReprice, SendError::kFatal, SendError::kUnknown}) {
    names.insert(std::string(Name(e)));
  }
  EXPECT_EQ(names.size(), 7u);
}

TEST(Outcome, Classification) {
  using E = TransportResult::Error;
  EXPECT_EQ(Classify({E::kConnectRefused, 0}, false, false), Outcome::kConnectFailed);
  EXPECT_EQ(Classify({E::kConnectTimeout, 0}, false, false), Outcome::kConnectTimeout);
  EXPECT_EQ(Classify({E::kTimeoutAfterConnect, 0}, false, false), Outcome::kReadTimeout);
  EXPECT_EQ(Classify({E::kSendOrReceive, 0}, false, false), Outcome::kSendFailed);
  EXPECT_EQ(Classify({E::kNone, 429}, false, false), Outcome::kHttp429);
  EXPECT_EQ(Classify({E::kNone, 500}, true, false), Outcome::kHttp5xx);
  EXPECT_EQ(Classify({E::kNone, 503}, false, false), Outcome::kHttp5xx);
  EXPECT_EQ(Classify({E::kNone, 200}, false, false), Outcome::kBadResponse);
  EXPECT_EQ(Classify({E::kNone, 404}, false, false), Outcome::kBadResponse);
  EXPECT_EQ(Classify({E::kNone, 200}, true, true), Outcome::kRpcError);
  EXPECT_EQ(Classify({E::kNone, 200}, true, false), Outcome::kOk);
  EXPECT_TRUE(NothingSent(Outcome::kConnectFailed));
  EXPECT_FALSE(NothingSent(Outcome::kReadTimeout));
  EXPECT_TRUE(OutcomeUnknown(Outcome::kReadTimeout));
  EXPECT_TRUE(OutcomeUnknown(Outcome::kSendFailed));
  EXPECT_FALSE(OutcomeUnknown(Outcome::kHttp5xx));
  EXPECT_TRUE(EndpointFault(Outcome::kHttp429));
  EXPECT_FALSE(EndpointFault(Outcome::kRpcError));
  EXPECT_EQ(Name(Outcome::kHttp5xx), "http_5xx");
}

TEST(Backoff, FullJitterStaysUnderTheGrowingCappedCeiling) {
  const BackoffPolicy p{1000, 60000, 8};
  EXPECT_EQ(BackoffCeilingMs(p, 0), 1000);
  EXPECT_EQ(BackoffCeilingMs(p, 1), 2000);
  EXPECT_EQ(BackoffCeilingMs(p, 5), 32000);
  EXPECT_EQ(BackoffCeilingMs(p, 6), 60000);
  EXPECT_EQ(BackoffCeilingMs(p, 1000), 60000);  // no overflow
  std::uint64_t x = 88172645463325252ull;
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const std::int64_t d = FullJitterDelayMs(p, 3, x);
    EXPECT_GE(d, 0);
    EXPECT_LE(d, 8000);
    seen.insert(d / 1000);
  }
  EXPECT_GE(seen.size(), 8u) << "full jitter spreads over the whole range [0, ceiling]";
  EXPECT_EQ(FullJitterDelayMs(p, 3, 0), 0);
  EXPECT_FALSE(Exhausted(p, 7));
  EXPECT_TRUE(Exhausted(p, 8));
}

TEST(CircuitBreaker, OpensHalfOpensAndCloses) {
  CircuitBreaker b(3, 1000);
  EXPECT_TRUE(b.Allow(0));
  b.OnFailure(0);
  b.OnFailure(10);
  EXPECT_EQ(b.state(10), CircuitBreaker::State::kClosed);
  b.OnFailure(20);
  EXPECT_EQ(b.state(20), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.Allow(500));
  EXPECT_EQ(b.state(1020), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(b.Allow(1020));   // the probe
  EXPECT_FALSE(b.Allow(1021));  // only one probe at a time
  b.OnFailure(1030);            // probe failed: open again, cooldown restarts
  EXPECT_FALSE(b.Allow(1500));
  EXPECT_TRUE(b.Allow(2030));
  b.OnSuccess();
  EXPECT_EQ(b.state(2031), CircuitBreaker::State::kClosed);
  EXPECT_EQ(b.consecutive_failures(), 0);
  b.OnFailure(3000);  // one failure after recovery does not open it
  EXPECT_TRUE(b.Allow(3001));
}

TEST(RateLimiter, BoundsTheRateAndRefills) {
  RateLimiter r(10);
  int taken = 0;
  for (int i = 0; i < 100; ++i) taken += r.TryTake(0);
  EXPECT_EQ(taken, 10);  // one second's burst
  EXPECT_GT(r.WaitMs(0), 0);
  EXPECT_LE(r.WaitMs(0), 100);
  EXPECT_TRUE(r.TryTake(100));  // 100 ms later one token is back
  EXPECT_FALSE(r.TryTake(100));
  // Over two seconds of constant demand: the first second's burst plus the refill rate.
  RateLimiter steady(10);
  taken = 0;
  for (std::int64_t t = 0; t < 2000; ++t) taken += steady.TryTake(t);
  EXPECT_GE(taken, 29);
  EXPECT_LE(taken, 31);
}

TEST(JsonRpc, EncodesOneCallAsAnObjectAndSeveralAsABatch) {
  const auto one = nlohmann::json::parse(EncodeRequest({{7, "eth_chainId", nlohmann::json::array()}}));
  EXPECT_TRUE(one.is_object());
  EXPECT_EQ(one["id"], 7);
  EXPECT_EQ(one["jsonrpc"], "2.0");
  const auto two = nlohmann::json::parse(EncodeRequest({{1, "a", {}}, {2, "b", {"0x1"}}}));
  ASSERT_TRUE(two.is_array());
  EXPECT_EQ(two[1]["params"][0], "0x1");
}

TEST(JsonRpc, DecodesRepliesByIdWhateverTheirOrder) {
  const std::vector<Call> calls = {{1, "a", {}}, {2, "b", {}}, {3, "c", {}}};
  const auto replies = DecodeResponse(
      R"([{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}},
          {"jsonrpc":"2.0","id":1,"result":"0x74"},{"jsonrpc":"2.0","id":2,"result":null}])",
      calls);
  ASSERT_TRUE(replies.has_value());
  EXPECT_EQ((*replies)[0].result, "0x74");
  EXPECT_TRUE((*replies)[1].result.is_null());
  EXPECT_FALSE((*replies)[1].is_error);
  EXPECT_TRUE((*replies)[2].is_error);
  EXPECT_EQ((*replies)[2].error_code, -32601);
  EXPECT_EQ((*replies)[2].error_message, "Method not found");
}

TEST(JsonRpc, BadResponsesAreRecognised) {
  const std::vector<Call> calls = {{1, "a", {}}};
  EXPECT_FALSE(DecodeResponse("<html>502 Bad Gateway</html>", calls));
  EXPECT_FALSE(DecodeResponse("", calls));
  EXPECT_FALSE(DecodeResponse(R"({"jsonrpc":"2.0","id":2,"result":"0x1"})", calls));  // another id
  EXPECT_FALSE(DecodeResponse(R"({"jsonrpc":"2.0","id":1})", calls));                 // neither
  EXPECT_FALSE(DecodeResponse(R"({"id":null,"error":{"code":-32600,"message":"Invalid request"}})", calls));
  EXPECT_FALSE(
      DecodeResponse(R"([{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":1,"result":2}])", calls));
}

TEST(JsonRpc, HexQuantities) {
  EXPECT_EQ(HexQuantity(nlohmann::json("0x7a69")), 31337u);
  EXPECT_EQ(HexQuantity(nlohmann::json("0x0")), 0u);
  EXPECT_FALSE(HexQuantity(nlohmann::json("0x")));
  EXPECT_FALSE(HexQuantity(nlohmann::json("7a69")));
  EXPECT_FALSE(HexQuantity(nlohmann::json(31337)));
  EXPECT_FALSE(HexQuantity(nlohmann::json("0x10000000000000000")));  // past 64 bits
  EXPECT_EQ(HexQuantity256(nlohmann::json("0x10000000000000000")), Uint256("18446744073709551616"));
  EXPECT_EQ(ToHexQuantity(0), "0x0");
  EXPECT_EQ(ToHexQuantity(31337), "0x7a69");
  EXPECT_EQ(ToHexQuantity(Uint256("1000000000000000000")), "0xde0b6b3a7640000");
}

TEST(Fees, QuoteAndCaps) {
  const Uint256 gwei("1000000000");
  FeeQuote q = QuoteFees(10 * gwei, 2 * gwei, 500 * gwei, 50 * gwei);
  EXPECT_EQ(q.max_priority_fee_per_gas, 2 * gwei);
  EXPECT_EQ(q.max_fee_per_gas, 22 * gwei);
  EXPECT_FALSE(q.capped);
  q = QuoteFees(300 * gwei, 80 * gwei, 500 * gwei, 50 * gwei);
  EXPECT_EQ(q.max_priority_fee_per_gas, 50 * gwei);  // tip cap
  EXPECT_EQ(q.max_fee_per_gas, 500 * gwei);          // fee cap
  EXPECT_TRUE(q.capped);
  q = QuoteFees(0, 0, 1, 1);
  EXPECT_EQ(q.max_fee_per_gas, 0);
}

TEST(Fees, BumpsMeetGethsReplacementRule) {
  const FeeQuote prev{Uint256(1000), Uint256(100), false};
  const FeeQuote market{Uint256(0), Uint256(0), false};
  auto b = BumpFees(prev, market, Uint256(1000000), Uint256(1000000));
  ASSERT_TRUE(b.has_value());
  // geth: new >= old * 110 / 100 and new > old, for both fields.
  EXPECT_GE(b->max_fee_per_gas, prev.max_fee_per_gas * 110 / 100);
  EXPECT_GT(b->max_fee_per_gas, prev.max_fee_per_gas);
  EXPECT_EQ(b->max_fee_per_gas, 1101);
  EXPECT_EQ(b->max_priority_fee_per_gas, 111);
  b = BumpFees({Uint256(7), Uint256(0), false}, market, Uint256(100), Uint256(100));
  EXPECT_EQ(b->max_fee_per_gas, 8);  // floor(7.7) + 1
  EXPECT_EQ(b->max_priority_fee_per_gas, 1);
  b = BumpFees(prev, {Uint256(5000), Uint256(300), false}, Uint256(1000000), Uint256(1000000));
  EXPECT_EQ(b->max_fee_per_gas, 5000);  // the market moved further than the bump
  EXPECT_FALSE(BumpFees(prev, market, Uint256(1100), Uint256(1000)).has_value())
      << "at the cap bumping stops";
  EXPECT_FALSE(BumpFees({std::numeric_limits<Uint256>::max(), Uint256(1), false}, market,
                        std::numeric_limits<Uint256>::max(), Uint256(10))
                   .has_value());
}

TEST(Fees, ReplacementFloorOutbidsTheAttemptWithinTheCaps) {
  const FeeQuote prev{Uint256(1000), Uint256(100), false};
  auto f = txrelay::rpc::ReplacementFloor(prev, Uint256(1000000), Uint256(1000000));
  EXPECT_EQ(f.max_fee_per_gas, 1101);  // the same floor as a fee bump
  EXPECT_EQ(f.max_priority_fee_per_gas, 111);
  EXPECT_FALSE(f.capped);
  // Past the caps: cut to them (signable), marked capped; the tip never above the fee.
  f = txrelay::rpc::ReplacementFloor(prev, Uint256(1050), Uint256(2000));
  EXPECT_EQ(f.max_fee_per_gas, 1050);
  EXPECT_EQ(f.max_priority_fee_per_gas, 111);
  EXPECT_TRUE(f.capped);
  f = txrelay::rpc::ReplacementFloor({Uint256(100), Uint256(100), false}, Uint256(105), Uint256(1000));
  EXPECT_EQ(f.max_fee_per_gas, 105);
  EXPECT_EQ(f.max_priority_fee_per_gas, 105);
  f = txrelay::rpc::ReplacementFloor({std::numeric_limits<Uint256>::max(), Uint256(1), false},
                                     std::numeric_limits<Uint256>::max(), Uint256(10));
  EXPECT_EQ(f.max_fee_per_gas, std::numeric_limits<Uint256>::max());  // no overflow
}

TEST(Signer, RequestAndBothAnswerForms) {
  eth::UnsignedTx tx;
  tx.chain_id = 31337;
  tx.nonce = 5;
  tx.max_fee_per_gas = Uint256("2000000000");
  tx.max_priority_fee_per_gas = Uint256("1000000000");
  tx.gas_limit = 21000;
  tx.to = ParseAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "to");
  tx.value = 1000;
  const auto params =
      SignTransactionParams(tx, ParseAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "from"));
  EXPECT_EQ(params[0]["nonce"], "0x5");
  EXPECT_EQ(params[0]["chainId"], "0x7a69");
  EXPECT_EQ(params[0]["type"], "0x2");
  EXPECT_EQ(params[0]["gas"], "0x5208");
  EXPECT_EQ(params[0]["value"], "0x3e8");
  EXPECT_EQ(params[0]["maxFeePerGas"], "0x77359400");
  EXPECT_EQ(params[0]["data"], "0x");
  EXPECT_EQ(SignedRawFromResult(nlohmann::json("0x02f8")), (Bytes{0x02, 0xf8}));
  EXPECT_EQ(SignedRawFromResult(nlohmann::json{{"raw", "0xf86c"}, {"tx", {{"nonce", "0x5"}}}}),
            (Bytes{0xf8, 0x6c}));
  EXPECT_FALSE(SignedRawFromResult(nlohmann::json{{"tx", {}}}));
  EXPECT_FALSE(SignedRawFromResult(nlohmann::json("f86c")));
  EXPECT_FALSE(SignedRawFromResult(nlohmann::json(nullptr)));
  EXPECT_FALSE(SignedRawFromResult(nlohmann::json("0xzz")));
}
