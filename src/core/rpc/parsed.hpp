// What a parser of a node's answer gives back: the value, or a sentence saying what was wrong.
// The sentence quotes the bad value shortened, so that a hostile node cannot flood a log line or a
// status_reason, and in ASCII, so that it can go into any text column or log as it is.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/cpp_only.hpp"

namespace txrelay::rpc {

// The refusal of an answer: a lower-case sentence without a final period, naming the field.
struct Refusal {
  std::string error;
};

template <class T>
struct Parsed {
  // Implicit, so that a parser says `return header;` or `return Refusal{"..."};`.
  Parsed(T accepted) : value(std::move(accepted)) {}
  Parsed(Refusal refused) : error(std::move(refused.error)) {}

  bool ok() const { return value.has_value(); }

  std::optional<T> value;
  std::string error;  // empty when ok()
};

// A JSON value as a message quotes it: compact JSON, non-ASCII and control characters escaped,
// cut after `max_chars` with "...". Nesting costs at least one character a level, so a deeply
// nested value is never walked deeper than `max_chars`.
std::string DescribeValue(const nlohmann::json& value, std::size_t max_chars = 80);

// Text from a node (an error message) cut after `max_bytes` with "...", never inside a UTF-8
// character.
std::string ShortenText(std::string_view text, std::size_t max_bytes = 300);

}  // namespace txrelay::rpc
