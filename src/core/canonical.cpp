#include "core/canonical.hpp"

#include <stdexcept>

namespace txrelay {

namespace {
constexpr std::uint8_t kTagText = 't';
constexpr std::uint8_t kTagNull = 'n';
constexpr std::uint8_t kTagInt = 'i';
constexpr std::uint8_t kTagRaw = 'r';
}  // namespace

void CanonicalEncoder::Field(std::uint8_t tag, const std::uint8_t* data, std::size_t size) {
  if (size > 0xffffffffu) throw std::length_error("canonical field longer than 4 GiB");
  bytes_.push_back(tag);
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes_.push_back(static_cast<std::uint8_t>(size >> shift));
  }
  bytes_.insert(bytes_.end(), data, data + size);
}

CanonicalEncoder& CanonicalEncoder::Text(std::string_view value) {
  Field(kTagText, reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
  return *this;
}

CanonicalEncoder& CanonicalEncoder::OptionalText(const std::optional<std::string_view>& value) {
  if (value) return Text(*value);
  Field(kTagNull, nullptr, 0);
  return *this;
}

CanonicalEncoder& CanonicalEncoder::Int(std::int64_t value) {
  std::uint8_t be[8];
  auto u = static_cast<std::uint64_t>(value);
  for (int i = 7; i >= 0; --i, u >>= 8) be[i] = static_cast<std::uint8_t>(u);
  Field(kTagInt, be, sizeof be);
  return *this;
}

CanonicalEncoder& CanonicalEncoder::Raw(const std::uint8_t* data, std::size_t size) {
  Field(kTagRaw, data, size);
  return *this;
}

}  // namespace txrelay
