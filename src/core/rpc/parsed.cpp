#include "core/rpc/parsed.hpp"

namespace txrelay::rpc {

namespace {

// A string as JSON text: at most `max_bytes` of it (the caller cuts the rest), escaped to ASCII;
// a byte sequence cut inside a character shows as U+FFFD instead of throwing.
std::string QuotedAscii(std::string_view text, std::size_t max_bytes) {
  const nlohmann::json head = std::string(text.substr(0, max_bytes));
  return head.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

// Compact JSON of `value`, stopping once `out` is longer than `budget`: the caller cuts it. Each
// level writes a bracket before it descends, so the recursion depth stays below `budget` + 2.
void WriteBounded(const nlohmann::json& value, std::size_t budget, std::string& out) {
  if (value.is_string()) {
    out += QuotedAscii(value.get_ref<const std::string&>(), budget + 1);
    return;
  }
  if (!value.is_structured()) {
    out += value.dump();  // numbers, booleans, null: short ASCII
    return;
  }
  const bool object = value.is_object();
  out.push_back(object ? '{' : '[');
  bool first = true;
  for (auto it = value.begin(); it != value.end() && out.size() <= budget; ++it) {
    if (!first) out.push_back(',');
    first = false;
    if (object) out += QuotedAscii(it.key(), budget + 1) + ":";
    WriteBounded(it.value(), budget, out);
  }
  out.push_back(object ? '}' : ']');
}

}  // namespace

std::string DescribeValue(const nlohmann::json& value, std::size_t max_chars) {
  std::string out;
  WriteBounded(value, max_chars, out);
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
  return out;
}

std::string ShortenText(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Step back while text[cut] continues a character (10xxxxxx): the cut must fall before a start.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace txrelay::rpc
