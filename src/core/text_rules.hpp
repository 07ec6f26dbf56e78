// Rules for the text arguments of the SQL API: identifiers (idempotency keys, references,
// accounts, policy decisions), configuration names and free text. Each throws Error 22023 that
// names the argument.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

// Longest identifier accepted (characters, not bytes).
inline constexpr std::size_t kMaxIdentifierChars = 255;
// Longest free text (reasons) accepted.
inline constexpr std::size_t kMaxFreeTextChars = 2000;

// An identifier: not empty or blank, at most `max_chars` characters, no control characters
// (they would corrupt log lines and look-alike keys). Returned unchanged: keys are compared
// byte for byte.
std::string CheckIdentifier(std::string_view value, std::string_view arg,
                            std::size_t max_chars = kMaxIdentifierChars);

// Free text such as a rejection reason: not blank, at most kMaxFreeTextChars characters.
std::string CheckFreeText(std::string_view value, std::string_view arg);

// A short configuration name: 1..max_chars of [A-Za-z0-9._-], starting with a letter or digit,
// lower-case only when `lower_case_only` (risk tiers).
std::string CheckName(std::string_view value, std::string_view arg, std::size_t max_chars,
                      bool lower_case_only);

// An argument's size in bytes at most `max_bytes` (judged before its content is read, so that
// a huge value costs nothing more): 22023 "<arg> is too long".
void CheckArgumentBytes(std::size_t bytes, std::string_view arg, std::size_t max_bytes);

// A jsonb argument's text (jsonb's output form) that must be a JSON object: 22023 otherwise.
void CheckJsonObjectText(std::string_view jsonb_text, std::string_view arg);

// An integer argument within [min, max].
long long CheckRange(long long value, std::string_view arg, long long min, long long max);

// Number of UTF-8 characters (code points) in well-formed text.
std::size_t Utf8Length(std::string_view text);

}  // namespace txrelay
