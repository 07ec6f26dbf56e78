#include "core/eth/erc20.hpp"

#include "core/keccak.hpp"

namespace txrelay::eth {

Bytes Erc20TransferCalldata(const Address& recipient, const Uint256& amount) {
  // The selector is derived, not hard-coded, so it cannot silently be wrong (it is a9059cbb).
  static const Hash32 kSignatureHash = Keccak256("transfer(address,uint256)");
  Bytes data(kSignatureHash.begin(), kSignatureHash.begin() + 4);
  data.resize(4 + 32 + 32, 0);
  std::copy(recipient.bytes.begin(), recipient.bytes.end(), data.begin() + 4 + 12);
  Uint256 rest = amount;
  for (int i = 0; i < 32; ++i) {
    data[4 + 32 + 31 - i] = static_cast<std::uint8_t>(rest & 0xff);
    rest >>= 8;
  }
  return data;
}

}  // namespace txrelay::eth
