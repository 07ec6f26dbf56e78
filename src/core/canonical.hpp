// An unambiguous byte encoding of a list of fields, hashed to fingerprint a request or to chain
// ledger entries. Each field is a type tag, a 4-byte big-endian length and the bytes, so no two
// different field lists encode alike ("ab","c" differs from "a","bc"; NULL differs from "").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/keccak.hpp"
#include "core/cpp_only.hpp"

namespace txrelay {

class CanonicalEncoder {
 public:
  // `domain` names what is being encoded, so that encodings of different things never collide.
  explicit CanonicalEncoder(std::string_view domain) { Text(domain); }

  CanonicalEncoder& Text(std::string_view value);
  CanonicalEncoder& OptionalText(const std::optional<std::string_view>& value);
  CanonicalEncoder& Int(std::int64_t value);
  CanonicalEncoder& Raw(const std::uint8_t* data, std::size_t size);

  const Bytes& bytes() const { return bytes_; }
  Hash32 Hash() const { return Keccak256(bytes_); }

 private:
  void Field(std::uint8_t tag, const std::uint8_t* data, std::size_t size);
  Bytes bytes_;
};

}  // namespace txrelay
