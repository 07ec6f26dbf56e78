#include "core/text_rules.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace txrelay {

std::size_t Utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xc0) != 0x80;
  return n;
}

namespace {

bool IsBlank(std::string_view value) {
  for (unsigned char c : value) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

void CheckLength(std::string_view value, std::string_view arg, std::size_t max_chars) {
  if (IsBlank(value)) throw InvalidArgument(arg, "must not be empty");
  const std::size_t length = Utf8Length(value);
  if (length > max_chars) {
    throw InvalidArgument(
        arg, "is too long",
        "It has " + std::to_string(length) + " characters; the limit is " + std::to_string(max_chars) + ".");
  }
}

// Decodes the code point at `i` (well-formed UTF-8, as PostgreSQL guarantees in a UTF8
// database) and advances `i`; a stray byte is returned as itself.
char32_t NextCodePoint(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  if (n == 1 || i + n > text.size()) return byte(i++);
  char32_t cp = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3f);
  i += n;
  return cp;
}

// Code points that must not appear in an identifier: C0 and C1 controls and DEL, the line and
// paragraph separators, and Unicode's format characters (category Cf: zero-width spaces and
// joiners, bidirectional marks, embeddings, overrides and isolates, the BOM, tags). They are
// invisible or reorder what a person reads, so two keys that look the same would differ, and
// logs could be forged. Written out by hand: category Cf is a short list that changes rarely
// (Unicode 15), and ICU would be a large dependency for one table.
bool IsForbidden(char32_t cp) {
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kForbidden[] = {
      {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},
      {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
      {0x200B, 0x200F},   {0x2028, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},   {0xFEFF, 0xFEFF},
      {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
  };
  for (const Range& r : kForbidden) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

std::string CodePointName(char32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

}  // namespace

std::string CheckIdentifier(std::string_view value, std::string_view arg, std::size_t max_chars) {
  CheckLength(value, arg, max_chars);
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t at = Utf8Length(value.substr(0, i)) + 1;
    const char32_t cp = NextCodePoint(value, i);
    if (IsForbidden(cp)) {
      throw InvalidArgument(
          arg,
          "must not contain " + CodePointName(cp) +
              " (a control, invisible or bidirectional formatting character)",
          "It is character " + std::to_string(at) +
              "; identifiers are compared byte for byte, so they must read as what they are.");
    }
  }
  return std::string(value);
}

void CheckArgumentBytes(std::size_t bytes, std::string_view arg, std::size_t max_bytes) {
  if (bytes <= max_bytes) return;
  throw InvalidArgument(
      arg, "is too long",
      "It is " + std::to_string(bytes) + " bytes; at most " + std::to_string(max_bytes) + ".");
}

void CheckJsonObjectText(std::string_view jsonb_text, std::string_view arg) {
  // jsonb's output starts an object with '{' and nothing before it; a string that holds braces
  // starts with '"'.
  if (jsonb_text.empty() || jsonb_text.front() != '{') throw InvalidArgument(arg, "must be a JSON object");
}

std::string CheckFreeText(std::string_view value, std::string_view arg) {
  CheckLength(value, arg, kMaxFreeTextChars);
  return std::string(value);
}

std::string CheckName(std::string_view value, std::string_view arg, std::size_t max_chars,
                      bool lower_case_only) {
  const std::string allowed =
      lower_case_only ? "lower-case letters, digits, '.', '_' and '-'" : "letters, digits, '.', '_' and '-'";
  auto bad = [&] {
    return InvalidArgument(arg, "is not a valid name",
                           "Got " + Quote(value) + "; use 1 to " + std::to_string(max_chars) +
                               " characters: " + allowed + ", starting with a letter or digit.");
  };
  if (value.empty() || value.size() > max_chars) throw bad();
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool lower = c >= 'a' && c <= 'z';
    const bool upper = c >= 'A' && c <= 'Z';
    const bool digit = c >= '0' && c <= '9';
    const bool punct = c == '.' || c == '_' || c == '-';
    if (upper && lower_case_only) throw bad();
    if (!(lower || upper || digit || (punct && i > 0))) throw bad();
  }
  return std::string(value);
}

long long CheckRange(long long value, std::string_view arg, long long min, long long max) {
  if (value < min || value > max) {
    throw InvalidArgument(arg, "is out of range",
                          "Got " + std::to_string(value) + "; expected " + std::to_string(min) + " to " +
                              std::to_string(max) + ".");
  }
  return value;
}

}  // namespace txrelay
