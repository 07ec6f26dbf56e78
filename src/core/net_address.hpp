// Addresses the workers must not call unless the operator allows it: link-local networks and the
// cloud metadata services, where an endpoint URL chosen by a hostile configuration could read
// the host's cloud credentials (server-side request forgery). Loopback stays allowed: a node on
// the same host is normal.
#pragma once

#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

// Whether `host` (a URL's host: a name, an IPv4 address in any form inet_aton reads, such as
// "2852039166" or "0xa9.254.169.254", or an IPv6 literal with or without brackets and zone) is
// link-local (169.254.0.0/16, fe80::/10, also as an IPv4-mapped IPv6 address) or a metadata
// service (fd00:ec2::254, metadata.google.internal). A name other than those is not judged
// here: the workers judge the address it resolves to before they connect.
bool IsLinkLocalOrMetadataHost(std::string_view host);

// The host of an http(s) URL ("" if it has none): no user info, port or brackets kept apart.
std::string_view UrlHost(std::string_view url);

}  // namespace txrelay
