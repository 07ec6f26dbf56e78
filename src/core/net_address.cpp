#include "core/net_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>

namespace txrelay {

namespace {

bool IsLinkLocalV4(std::uint32_t host_order) { return (host_order >> 16) == 0xa9fe; }  // 169.254/16

bool IsBadV6(const unsigned char (&a)[16]) {
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;  // fe80::/10
  static const unsigned char kEc2Metadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                                 0,    0, 0,    0,    0, 0, 0x02, 0x54};
  if (std::memcmp(a, kEc2Metadata, 16) == 0) return true;
  static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kMappedPrefix, 12) == 0) {
    return IsLinkLocalV4((std::uint32_t{a[12]} << 24) | (a[13] << 16) | (a[14] << 8) | a[15]);
  }
  return false;
}

}  // namespace

bool IsLinkLocalOrMetadataHost(std::string_view host) {
  std::string h(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (const auto zone = h.find('%'); zone != std::string::npos) h.resize(zone);
  while (!h.empty() && h.back() == '.') h.pop_back();  // "metadata.google.internal." is the same name
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "metadata.google.internal" || h == "metadata") return true;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, h.c_str(), v6) == 1) return IsBadV6(v6);
  in_addr v4{};
  // inet_aton reads the forms curl normalises too (decimal, hex and octal parts).
  if (inet_aton(h.c_str(), &v4) != 0) return IsLinkLocalV4(ntohl(v4.s_addr));
  return false;
}

std::string_view UrlHost(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
}

}  // namespace txrelay
