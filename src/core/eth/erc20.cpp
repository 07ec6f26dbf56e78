#include "core/eth/erc20.hpp"

#include "core/keccak.hpp"

namespace txrelay::eth {

namespace {
const Hash32& TransferSignatureHash() {
  // The selector is derived, not hard-coded, so it cannot silently be wrong (it is a9059cbb).
  static const Hash32 hash = Keccak256("transfer(address,uint256)");
  return hash;
}
}  // namespace

Bytes Erc20TransferCalldata(const Address& recipient, const Uint256& amount) {
  Bytes data(TransferSignatureHash().begin(), TransferSignatureHash().begin() + 4);
  data.resize(4 + 32 + 32, 0);
  std::copy(recipient.bytes.begin(), recipient.bytes.end(), data.begin() + 4 + 12);
  const auto word = ToWord32(amount);
  std::copy(word.begin(), word.end(), data.begin() + 4 + 32);
  return data;
}

}  // namespace txrelay::eth

namespace txrelay::eth {

std::optional<Erc20Transfer> DecodeErc20Transfer(const Bytes& data) {
  if (data.size() != 4 + 32 + 32) return std::nullopt;
  if (!std::equal(data.begin(), data.begin() + 4, TransferSignatureHash().begin())) return std::nullopt;
  for (int i = 4; i < 4 + 12; ++i) {
    if (data[i] != 0) return std::nullopt;
  }
  Erc20Transfer t;
  std::copy(data.begin() + 16, data.begin() + 36, t.recipient.bytes.begin());
  t.amount = FromBigEndian(data.data() + 36, 32);
  return t;
}

}  // namespace txrelay::eth
