#include "core/secret_refs.hpp"

#include "core/error.hpp"

namespace txrelay {

namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxSecretNameChars || !IsNameStart(name[0])) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// Calls `on_text(text)` for the literal parts and `on_ref(name)` for each reference.
template <typename OnText, typename OnRef>
void WalkRefs(std::string_view url, std::string_view arg, OnText on_text, OnRef on_ref) {
  while (!url.empty()) {
    const auto open = url.find("${");
    on_text(url.substr(0, open));
    if (open == std::string_view::npos) return;
    const auto close = url.find('}', open);
    const std::string_view name =
        close == std::string_view::npos ? std::string_view{} : url.substr(open + 2, close - open - 2);
    if (!IsValidName(name)) {
      throw InvalidArgument(arg, "has a malformed secret reference",
                            "A reference is ${NAME}, NAME of letters, digits and '_' (at most 63), not "
                            "starting with a digit.");
    }
    on_ref(name);
    url.remove_prefix(close + 1);
  }
}

[[noreturn]] void BadFile(std::size_t line, const std::string& what) {
  throw Error("F0000", "txrelay.secrets_file line " + std::to_string(line) + ": " + what);
}

bool IsValueChar(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

std::vector<std::string> SecretNamesIn(std::string_view url, std::string_view arg) {
  std::vector<std::string> names;
  WalkRefs(
      url, arg, [](std::string_view) {}, [&](std::string_view name) { names.emplace_back(name); });
  return names;
}

SecretValues ParseSecretsFile(std::string_view text) {
  if (text.size() > kMaxSecretsFileBytes) throw Error("F0000", "txrelay.secrets_file is larger than 64 KiB");
  SecretValues values;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string_view name = line.substr(0, eq);
    if (eq == std::string_view::npos || !IsValidName(name)) BadFile(line_no, "is not NAME=VALUE");
    const std::string_view value = line.substr(eq + 1);
    if (value.empty()) BadFile(line_no, "the value of " + std::string(name) + " is empty");
    for (char c : value) {
      if (!IsValueChar(c))
        BadFile(line_no, "the value of " + std::string(name) + " has a space or control character");
    }
    if (!values.emplace(name, value).second) BadFile(line_no, std::string(name) + " is set twice");
  }
  return values;
}

std::string ExpandSecretRefs(std::string_view url, const SecretValues& secrets) {
  std::string out;
  WalkRefs(
      url, "url", [&](std::string_view text) { out += text; },
      [&](std::string_view name) {
        const auto it = secrets.find(name);
        if (it == secrets.end()) {
          throw Error("F0000", "secret " + std::string(name) + " is not in txrelay.secrets_file");
        }
        out += it->second;
      });
  return out;
}

}  // namespace txrelay
