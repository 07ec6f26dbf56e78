#include "core/endpoint_url.hpp"

#include <cctype>

#include "core/error.hpp"
#include "core/net_address.hpp"
#include "core/secret_refs.hpp"

namespace txrelay {

namespace {

constexpr std::size_t kSecretSegmentChars = 16;  // any path segment this long
constexpr std::size_t kSecretLabelChars = 24;    // any host label this long
constexpr std::size_t kMixedTokenChars = 8;      // letters and digits mixed, this long

bool IsSecretRef(std::string_view token) {
  return token.size() > 3 && token.substr(0, 2) == "${" && token.back() == '}' &&
         token.find('}') == token.size() - 1;
}

bool MixesLettersAndDigits(std::string_view token) {
  bool letter = false, digit = false;
  for (unsigned char c : token) {
    letter = letter || std::isalpha(c);
    digit = digit || std::isdigit(c);
  }
  return letter && digit;
}

// Whether a path segment, host label or bare query token may be a key: long, or a mix of letters
// and digits ("v3", "rpc", "eth-mainnet" are not). A reference to a secret shows only a name.
bool LooksSecret(std::string_view token, std::size_t long_chars) {
  if (IsSecretRef(token)) return false;
  return token.size() >= long_chars || (token.size() >= kMixedTokenChars && MixesLettersAndDigits(token));
}

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

std::string CheckEndpointUrl(std::string_view url, std::string_view arg, bool allow_link_local) {
  if (url.size() > kMaxUrlLength) {
    throw InvalidArgument(arg, "is too long", "The limit is " + std::to_string(kMaxUrlLength) + " bytes.");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      throw InvalidArgument(arg, "must not contain spaces or control characters");
    }
    if (c > 0x7f) {  // look-alike hosts and bidirectional overrides hide where a call goes
      throw InvalidArgument(arg, "must be ASCII", "Write a host in punycode and percent-encode a path.");
    }
  }
  UrlParts parts;
  if (!Split(url, parts) || (parts.scheme != "http" && parts.scheme != "https")) {
    throw InvalidArgument(arg, "must be an http:// or https:// URL");
  }
  if (parts.hostport.empty() || parts.hostport[0] == ':') {
    throw InvalidArgument(arg, "has no host");
  }
  SecretNamesIn(url, arg);  // a malformed ${...} is refused now, not at the first call
  if (!allow_link_local && IsLinkLocalOrMetadataHost(UrlHost(url))) {
    Error e("22023", std::string(arg) + " is a link-local or cloud metadata address",
            "The workers could reach the host's cloud credentials (169.254.0.0/16, fe80::/10, fd00:ec2::254, "
            "metadata.google.internal).",
            "On a network where a node really is there, set txrelay.allow_link_local_endpoints = on.");
    throw e;
  }
  return std::string(url);
}

namespace {

// Host labels but the last two (the provider's own domain) may be a key: "<key>.rpc.example".
void AppendRedactedHostPort(std::string& out, std::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {  // an IPv6 literal
    out += hostport;
    return;
  }
  const auto colon = hostport.find(':');
  std::string_view host = hostport.substr(0, colon);
  std::size_t labels = 1;
  for (char c : host) labels += c == '.';
  for (std::size_t k = 0; k < labels; ++k) {
    const auto dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (k > 0) out += '.';
    out += k + 2 < labels && LooksSecret(label, kSecretLabelChars) ? std::string_view("***") : label;
    host = dot == std::string_view::npos ? std::string_view{} : host.substr(dot + 1);
  }
  if (colon != std::string_view::npos) out += hostport.substr(colon);
}

// A path segment, with its matrix parameters (";apikey=KEY") masked.
void AppendRedactedSegment(std::string& out, std::string_view segment) {
  const auto semi = segment.find(';');
  const std::string_view head = segment.substr(0, semi);
  out += LooksSecret(head, kSecretSegmentChars) ? std::string_view("***") : head;
  if (semi == std::string_view::npos) return;
  std::string_view params = segment.substr(semi + 1);
  while (true) {
    const auto next = params.find(';');
    const std::string_view param = params.substr(0, next);
    const auto eq = param.find('=');
    out += ';';
    out += eq == std::string_view::npos ? std::string_view("***") : param.substr(0, eq);
    if (eq != std::string_view::npos) out += "=***";
    if (next == std::string_view::npos) return;
    params.remove_prefix(next + 1);
  }
}

// Every query value is masked, and a bare token ("?KEY") whole: it can be the key itself.
void AppendRedactedQuery(std::string& out, std::string_view query) {
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out += pair.substr(0, eq);
      out += IsSecretRef(pair.substr(eq + 1)) ? pair.substr(eq) : "=***";
    } else if (!pair.empty()) {
      out += IsSecretRef(pair) ? pair : std::string_view("***");
    }
    if (amp == std::string_view::npos) return;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  UrlParts parts;
  if (!Split(url, parts)) return "***";
  std::string out(parts.scheme);
  out += "://";
  if (parts.has_userinfo) out += "***@";
  AppendRedactedHostPort(out, parts.hostport);
  std::string_view path = parts.path;
  while (!path.empty()) {  // path starts with '/'
    path.remove_prefix(1);
    const auto next = path.find('/');
    out += '/';
    AppendRedactedSegment(out, path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view{} : path.substr(next);
  }
  if (parts.has_query) {
    out += '?';
    AppendRedactedQuery(out, parts.query);
  }
  return out;
}

}  // namespace txrelay
