// libFuzzer harness for the readers of a node's answers (built with AddressSanitizer and
// UndefinedBehaviorSanitizer by `make fuzz`): the input is a response body as a node would send it.
// It goes through rpc::DecodeResponse as the gateway reads it, and is also parsed as plain JSON
// and fed, whole and as its "result", to every parser (a transaction object too) and to the send judgements.
// Nothing may throw; checked on every input: a parser gives a value or an error, never both; accepted hashes
// are lower-case 0x + 64 hex; a receipt's status is 0 or 1; every message is short valid UTF-8
// (it goes into logs and text columns), and a parser's message is printable ASCII.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/rpc/block_header.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/node_transaction.hpp"
#include "core/rpc/receipt.hpp"
#include "core/rpc/send_verdict.hpp"

using namespace txrelay::rpc;
using nlohmann::json;

namespace {

const std::string kTx = "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef";
const std::string kFrom = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr std::size_t kMaxMessage = 1000;

void Require(bool property) {
  if (!property) __builtin_trap();
}

bool IsLowerHash(const std::string& h) {
  if (h.size() != 66 || h.compare(0, 2, "0x") != 0) return false;
  for (std::size_t i = 2; i < h.size(); ++i) {
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return false;
  }
  return true;
}

bool IsValidUtf8(const std::string& text) {
  try {
    (void)json(text).dump();  // the strict handler throws on an invalid sequence
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

void CheckMessage(const std::string& message) {
  Require(message.size() <= kMaxMessage && IsValidUtf8(message));
}

template <class T>
void CheckParsed(const Parsed<T>& parsed) {
  Require(parsed.ok() == parsed.error.empty());
  CheckMessage(parsed.error);
  for (char c : parsed.error) Require(c >= 0x20 && c < 0x7f);
}

void CheckReceipt(const Receipt& r) {
  Require(IsLowerHash(r.tx_hash) && IsLowerHash(r.block_hash));
  Require(r.status == 0 || r.status == 1);
}

// The block the receipts claim, so that the consistency check is reached; else a fixed one.
BlockHeader BlockOf(const json& receipts) {
  BlockHeader block{3, "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726", kTx, {}};
  if (receipts.is_array() && !receipts.empty()) {
    const auto first = ParseReceipt(receipts[0]);
    if (first.ok()) {
      block.number = first.value->block_number;
      block.hash = first.value->block_hash;
    }
  }
  return block;
}

void FeedParsers(const json& value) {
  const auto header = ParseBlockHeader(value);
  CheckParsed(header);
  if (header.ok()) Require(IsLowerHash(header.value->hash) && IsLowerHash(header.value->parent_hash));
  const auto receipt = ParseReceipt(value);
  CheckParsed(receipt);
  if (receipt.ok()) CheckReceipt(*receipt.value);
  CheckParsed(ParseReceiptOf(value, kTx));
  const auto receipts = ParseBlockReceipts(value, BlockOf(value));
  CheckParsed(receipts);
  if (receipts.ok()) {
    for (const auto& r : *receipts.value) CheckReceipt(r);
  }
  const auto tx = ParseNodeTransaction(value);
  CheckParsed(tx);
  if (tx.ok()) Require(txrelay::eth::DecodeSignedTx(tx.value->raw).hash == tx.value->hash);  // its own bytes
}

void CheckJudgement(const SendJudgement& j) {
  CheckMessage(j.error);
  Require(j.verdict != SendVerdict::kResend || j.outcome_unknown);  // only bytes that may not have arrived
}

// The reply as the answer to a send, and as the answer to the status check of each kind of send.
void FeedJudges(const Reply& reply) {
  for (const bool after_check : {false, true}) {
    const SendJudgement sent = JudgeSend(&reply, Outcome::kOk, "", kTx, kFrom, after_check);
    CheckJudgement(sent);
    if (after_check) Require(sent.verdict != SendVerdict::kCheck);
    CheckJudgement(JudgeStatusCheck(sent, &reply, ""));
  }
  const Reply nonce_too_low{1, true, nullptr, -32003, "nonce too low"};
  for (const SendJudgement& sent :
       {JudgeSend(nullptr, Outcome::kReadTimeout, "Timeout was reached", kTx, kFrom, false),
        JudgeSend(&nonce_too_low, Outcome::kOk, "", kTx, kFrom, false)}) {
    const SendJudgement checked = JudgeStatusCheck(sent, &reply, "");
    CheckJudgement(checked);
    Require(checked.verdict != SendVerdict::kCheck);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const std::vector<Call> calls = {{1, "eth_sendRawTransaction", json::array()}};
  if (const auto replies = DecodeResponse(body, calls)) FeedJudges(replies->front());
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return 0;
  FeedParsers(value);
  if (value.is_object() && value.contains("result")) FeedParsers(value["result"]);
  Reply as_result;
  as_result.result = std::move(value);  // a move: copying deep nesting would recurse
  FeedJudges(as_result);
  return 0;
}
