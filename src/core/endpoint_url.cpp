#include "core/endpoint_url.hpp"

#include "core/error.hpp"

namespace txrelay {

namespace {

constexpr std::size_t kSecretSegmentChars = 16;

struct UrlParts {
  std::string_view scheme;    // "http" / "https"
  std::string_view userinfo;  // without '@'; empty when absent
  bool has_userinfo = false;
  std::string_view hostport;
  std::string_view path;   // from '/' up to '?' or '#'
  std::string_view query;  // without '?'
  bool has_query = false;
};

// Splits scheme://[userinfo@]hostport[/path][?query][#fragment]; false if there is no "://".
bool Split(std::string_view url, UrlParts& out) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  out.scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    out.query = rest.substr(q + 1);
    out.has_query = true;
    rest = rest.substr(0, q);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = authority.substr(0, at);
    out.has_userinfo = true;
    authority = authority.substr(at + 1);
  }
  out.hostport = authority;
  return true;
}

}  // namespace

std::string CheckEndpointUrl(std::string_view url, std::string_view arg) {
  if (url.size() > kMaxUrlLength) {
    throw InvalidArgument(arg, "is too long", "The limit is " + std::to_string(kMaxUrlLength) + " bytes.");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      throw InvalidArgument(arg, "must not contain spaces or control characters");
    }
  }
  UrlParts parts;
  if (!Split(url, parts) || (parts.scheme != "http" && parts.scheme != "https")) {
    throw InvalidArgument(arg, "must be an http:// or https:// URL");
  }
  if (parts.hostport.empty() || parts.hostport[0] == ':') {
    throw InvalidArgument(arg, "has no host");
  }
  return std::string(url);
}

std::string RedactUrl(std::string_view url) {
  UrlParts parts;
  if (!Split(url, parts)) return "***";
  std::string out(parts.scheme);
  out += "://";
  if (parts.has_userinfo) out += "***@";
  out += parts.hostport;
  std::string_view path = parts.path;
  while (!path.empty()) {  // path starts with '/'
    path.remove_prefix(1);
    const auto next = path.find('/');
    const std::string_view segment = path.substr(0, next);
    out += '/';
    out += segment.size() >= kSecretSegmentChars ? std::string_view("***") : segment;
    path = next == std::string_view::npos ? std::string_view{} : path.substr(next);
  }
  if (parts.has_query) {
    out += '?';
    std::string_view query = parts.query;
    bool first = true;
    while (true) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      if (!first) out += '&';
      first = false;
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos) {
        out += pair.substr(0, eq);
        out += "=***";
      } else {  // a bare token ("?KEY") can be the key itself
        out += pair.size() >= kSecretSegmentChars ? std::string_view("***") : pair;
      }
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  return out;
}

}  // namespace txrelay
