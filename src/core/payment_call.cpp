#include "core/payment_call.hpp"

namespace txrelay {

bool PaysRecipient(std::string_view to, std::string_view from, std::string_view value,
                   std::size_t data_length) {
  // Both addresses are stored in their one EIP-55 spelling, and value as numeric's canonical text.
  return !(to == from && value == "0" && data_length == 0);
}

}  // namespace txrelay
