#include "core/rpc/fields.hpp"

#include "core/hex.hpp"
#include "core/rpc/jsonrpc.hpp"

namespace txrelay::rpc {

namespace {

constexpr std::string_view kNotQuantity = "is not a 0x-hex quantity of at most 64 digits";

// "<what> field "<field>" <problem>: <value>"
Refusal BadField(std::string_view what, std::string_view field, std::string_view problem,
                 const nlohmann::json& value) {
  return Refusal{std::string(what) + " field \"" + std::string(field) + "\" " + std::string(problem) + ": " +
                 DescribeValue(value)};
}

Refusal MissingField(std::string_view what, std::string_view field) {
  return Refusal{std::string(what) + " has no \"" + std::string(field) + "\" field"};
}

// ASCII only, whatever the process locale (a worker runs under the server's LC_CTYPE).
char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsHash32(const std::string& text) {
  if (text.size() != 66 || text[0] != '0' || text[1] != 'x') return false;
  for (std::size_t i = 2; i < text.size(); ++i) {
    if (HexDigitValue(text[i]) < 0) return false;
  }
  return true;
}

}  // namespace

std::optional<Refusal> RequireObject(const nlohmann::json& value, std::string_view what) {
  if (value.is_object()) return std::nullopt;
  return Refusal{std::string(what) + " is not a JSON object: " + DescribeValue(value)};
}

Parsed<Uint256> ReadQuantity256(const nlohmann::json& object, std::string_view field, std::string_view what) {
  const auto it = object.find(std::string(field));
  if (it == object.end()) return MissingField(what, field);
  const auto value = HexQuantity256(*it);
  if (!value) return BadField(what, field, kNotQuantity, *it);
  return *value;
}

Parsed<std::uint64_t> ReadQuantity64(const nlohmann::json& object, std::string_view field,
                                     std::string_view what) {
  const auto it = object.find(std::string(field));
  if (it == object.end()) return MissingField(what, field);
  if (!HexQuantity256(*it)) return BadField(what, field, kNotQuantity, *it);
  const auto value = HexQuantity(*it);
  if (!value) return BadField(what, field, "is out of range (above 2^64-1)", *it);
  return *value;
}

Parsed<std::string> ReadHash32(const nlohmann::json& object, std::string_view field, std::string_view what) {
  const auto it = object.find(std::string(field));
  if (it == object.end()) return MissingField(what, field);
  if (!it->is_string() || !IsHash32(it->get_ref<const std::string&>())) {
    return BadField(what, field, "is not a 32-byte 0x-hex hash", *it);
  }
  std::string hash = it->get<std::string>();
  for (char& c : hash) c = LowerAscii(c);
  return hash;
}

bool SameHash(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

}  // namespace txrelay::rpc
