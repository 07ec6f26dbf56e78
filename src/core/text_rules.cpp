#include "core/text_rules.hpp"

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

}  // namespace

std::string CheckIdentifier(std::string_view value, std::string_view arg, std::size_t max_chars) {
  CheckLength(value, arg, max_chars);
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      throw InvalidArgument(arg, "must not contain control characters", "Got " + Quote(value) + ".");
    }
  }
  return std::string(value);
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
