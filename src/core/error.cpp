#include "core/error.hpp"

namespace txrelay {

std::string Quote(std::string_view value, std::size_t max_chars) {
  std::string out = "\"";
  if (value.size() <= max_chars) {
    out.append(value);
  } else {
    // Cut at a character boundary: a cut inside a UTF-8 sequence makes the message invalid text,
    // which a client in another encoding receives as 22021 instead of the documented SQLSTATE.
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xc0) == 0x80) --cut;
    out.append(value.substr(0, cut));
    out.append("...");
  }
  out.push_back('"');
  return out;
}

}  // namespace txrelay
