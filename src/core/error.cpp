#include "core/error.hpp"

namespace txrelay {

std::string Quote(std::string_view value, std::size_t max_chars) {
  std::string out = "\"";
  if (value.size() <= max_chars) {
    out.append(value);
  } else {
    out.append(value.substr(0, max_chars));
    out.append("...");
  }
  out.push_back('"');
  return out;
}

}  // namespace txrelay
