#include "core/eth/rlp.hpp"

namespace txrelay::eth {

namespace {

class Decoder {
 public:
  explicit Decoder(const std::uint8_t* data) : data_(data) {}

  RlpItem Item(std::size_t& pos, std::size_t limit, int depth) {
    if (depth > kMaxRlpDepth) throw RlpError("RLP nested deeper than " + std::to_string(kMaxRlpDepth));
    if (++items_ > kMaxRlpItems)
      throw RlpError("RLP with more than " + std::to_string(kMaxRlpItems) + " items");
    if (pos >= limit) throw RlpError("RLP item expected, input ended");
    const std::uint8_t prefix = data_[pos++];
    RlpItem item;
    if (prefix < 0x80) {
      item.bytes.push_back(prefix);
      return item;
    }
    if (prefix <= 0xbf) {
      const std::size_t length = Length(prefix, 0x80, 0xb7, pos, limit);
      if (length == 1 && data_[pos] < 0x80) {
        throw RlpError("non-canonical RLP: a single byte below 0x80 must encode itself");
      }
      item.bytes.assign(data_ + pos, data_ + pos + length);
      pos += length;
      return item;
    }
    item.is_list = true;
    const std::size_t length = Length(prefix, 0xc0, 0xf7, pos, limit);
    const std::size_t list_end = pos + length;
    while (pos < list_end) item.list.push_back(Item(pos, list_end, depth + 1));
    return item;
  }

 private:
  std::size_t items_ = 0;
  // Reads the payload length after `prefix` (short form base..short_max, long form above) and
  // checks that the payload fits before `limit`.
  std::size_t Length(std::uint8_t prefix, std::uint8_t base, std::uint8_t short_max, std::size_t& pos,
                     std::size_t limit) {
    std::size_t length;
    if (prefix <= short_max) {
      length = prefix - base;
    } else {
      const std::size_t length_of_length = prefix - short_max;
      if (length_of_length > limit - pos) throw RlpError("RLP length runs past the end of the input");
      if (length_of_length > sizeof(std::uint32_t)) throw RlpError("RLP item longer than 4 GiB");
      if (data_[pos] == 0) throw RlpError("non-canonical RLP: length with a leading zero byte");
      length = 0;
      for (std::size_t i = 0; i < length_of_length; ++i) length = length << 8 | data_[pos++];
      if (length < 56) throw RlpError("non-canonical RLP: long form used for fewer than 56 bytes");
    }
    if (length > limit - pos) throw RlpError("RLP payload runs past the end of its container");
    return length;
  }

  const std::uint8_t* data_;
};

Bytes Header(std::size_t length, std::uint8_t short_base, std::uint8_t long_base) {
  if (length < 56) return Bytes{static_cast<std::uint8_t>(short_base + length)};
  Bytes length_bytes;
  for (std::size_t l = length; l > 0; l >>= 8)
    length_bytes.insert(length_bytes.begin(), static_cast<std::uint8_t>(l));
  Bytes out;
  out.reserve(length_bytes.size() + 1);
  out.push_back(static_cast<std::uint8_t>(long_base + length_bytes.size()));
  out.insert(out.end(), length_bytes.begin(), length_bytes.end());
  return out;
}

}  // namespace

RlpItem DecodeRlp(const std::uint8_t* data, std::size_t size) {
  Decoder decoder(data);
  std::size_t pos = 0;
  RlpItem item = decoder.Item(pos, size, 0);
  if (pos != size) throw RlpError(std::to_string(size - pos) + " trailing byte(s) after the RLP item");
  return item;
}

Bytes EncodeRlpString(const std::uint8_t* data, std::size_t size) {
  if (size == 1 && data[0] < 0x80) return Bytes(data, data + 1);
  Bytes out = Header(size, 0x80, 0xb7);
  out.insert(out.end(), data, data + size);
  return out;
}

Bytes EncodeRlpList(const std::vector<Bytes>& encoded_items) {
  std::size_t length = 0;
  for (const auto& item : encoded_items) length += item.size();
  Bytes out = Header(length, 0xc0, 0xf7);
  for (const auto& item : encoded_items) out.insert(out.end(), item.begin(), item.end());
  return out;
}

Bytes EncodeRlpUint(const Uint256& value) { return EncodeRlpString(ToMinimalBigEndian(value)); }

const Bytes& RlpBytes(const RlpItem& item, const char* field) {
  if (item.is_list) throw RlpError(std::string(field) + " must be a byte string, not a list");
  return item.bytes;
}

const std::vector<RlpItem>& RlpList(const RlpItem& item, const char* field) {
  if (!item.is_list) throw RlpError(std::string(field) + " must be a list");
  return item.list;
}

Uint256 RlpUint(const RlpItem& item, const char* field, std::size_t max_bytes) {
  const Bytes& b = RlpBytes(item, field);
  if (b.size() > max_bytes) {
    throw RlpError(std::string(field) + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!b.empty() && b[0] == 0)
    throw RlpError("non-canonical integer " + std::string(field) + ": leading zero byte");
  return FromBigEndian(b.data(), b.size());
}

std::uint64_t RlpUint64(const RlpItem& item, const char* field) {
  return static_cast<std::uint64_t>(RlpUint(item, field, 8));
}

}  // namespace txrelay::eth
