// ERC-20 call data: what a token withdrawal asks the sender to sign.
#pragma once

#include <optional>

#include "core/address.hpp"
#include "core/amount.hpp"
#include "core/hex.hpp"
#include "core/cpp_only.hpp"

namespace txrelay::eth {

// transfer(address,uint256): the 4-byte selector, the recipient left-padded to 32 bytes and the
// amount as a 32-byte big-endian word (68 bytes in all).
Bytes Erc20TransferCalldata(const Address& recipient, const Uint256& amount);

struct Erc20Transfer {
  Address recipient;
  Uint256 amount;
};

// The recipient and amount of transfer(address,uint256) call data, or nullopt for any other
// call data (another selector, another length, an address word with its high 12 bytes set).
std::optional<Erc20Transfer> DecodeErc20Transfer(const Bytes& data);

}  // namespace txrelay::eth
