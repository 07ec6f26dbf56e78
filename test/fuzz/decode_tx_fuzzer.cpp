// libFuzzer harness for the transaction decoder (built with AddressSanitizer and
// UndefinedBehaviorSanitizer by `make fuzz`). Any input may be refused with txrelay::Error or
// RlpError; anything else that escapes (another exception, a sanitizer report, a trap) is a
// finding. Two properties are checked on every accepted input: decoding is canonical (encoding
// the result gives back exactly the input) for RLP items and for whole transactions.

#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "core/eth/erc20.hpp"
#include "core/eth/rlp.hpp"
#include "core/eth/transaction.hpp"
#include "core/eth/tx_json.hpp"

using namespace txrelay;
using namespace txrelay::eth;

namespace {

Bytes Reencode(const RlpItem& item) {
  if (!item.is_list) return EncodeRlpString(item.bytes);
  std::vector<Bytes> parts;
  for (const auto& child : item.list) parts.push_back(Reencode(child));
  return EncodeRlpList(parts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes input(data, data + size);
  try {
    const RlpItem item = DecodeRlp(data, size);
    if (Reencode(item) != input) __builtin_trap();  // two encodings of one item were accepted
  } catch (const RlpError&) {
  }
  try {
    const SignedTx tx = DecodeSignedTx(data, size);
    if (EncodeSigned(tx.tx, tx.signature) != input) __builtin_trap();  // not canonical
    if (tx.raw != input) __builtin_trap();
    (void)TxToJson(tx);
    (void)DecodeErc20Transfer(tx.tx.data);
    CheckReplayProtected(tx);
  } catch (const Error&) {
  }
  return 0;
}
