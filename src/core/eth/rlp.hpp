// Recursive Length Prefix (RLP), the encoding of Ethereum transactions: a strict decoder and an
// encoder. Written here rather than taken from a library because no Debian 12 package offers an
// RLP codec for C++, and the strictness is the point: a non-canonical encoding (leading zeros,
// long form for short data, a one-byte string wrapped in a prefix, trailing bytes) is refused,
// so one transaction has one byte string and one hash.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/amount.hpp"
#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

// Why a byte string is not canonical RLP (or not the expected shape).
class RlpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RlpItem {
  bool is_list = false;
  Bytes bytes;                // a string item's payload
  std::vector<RlpItem> list;  // a list item's elements
};

// Nesting deeper than this is refused: transactions nest three levels (access lists).
inline constexpr int kMaxRlpDepth = 8;
// More items than this in one input are refused: the memory a decode takes is bounded by it
// (about 80 bytes per item) whatever the input; a transaction within the 128 KiB pool limit has
// at most about 4,000 (an access list of 32-byte storage keys).
inline constexpr std::size_t kMaxRlpItems = 8192;

// Decodes exactly one item spanning all of `data`. Throws RlpError.
RlpItem DecodeRlp(const std::uint8_t* data, std::size_t size);
inline RlpItem DecodeRlp(const Bytes& data) { return DecodeRlp(data.data(), data.size()); }

Bytes EncodeRlpString(const std::uint8_t* data, std::size_t size);
inline Bytes EncodeRlpString(const Bytes& data) { return EncodeRlpString(data.data(), data.size()); }
// A list of already encoded items.
Bytes EncodeRlpList(const std::vector<Bytes>& encoded_items);
// An unsigned integer: big-endian, no leading zeros, zero as the empty string.
Bytes EncodeRlpUint(const Uint256& value);

// A string item's payload as a canonical unsigned integer (no leading zero byte, at most
// `max_bytes` bytes). `field` names it in the error.
Uint256 RlpUint(const RlpItem& item, const char* field, std::size_t max_bytes = 32);
std::uint64_t RlpUint64(const RlpItem& item, const char* field);
// A string item (not a list); `field` names it in the error.
const Bytes& RlpBytes(const RlpItem& item, const char* field);
// A list item; `field` names it in the error.
const std::vector<RlpItem>& RlpList(const RlpItem& item, const char* field);

}  // namespace txrelay::eth
