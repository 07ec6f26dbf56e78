// URLs of JSON-RPC endpoints and signers. They often carry API keys (in the user info, a path
// segment or the query), so everything but the stored configuration sees the redacted form.
#pragma once

#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

inline constexpr std::size_t kMaxUrlLength = 2048;

// Checks an http:// or https:// URL with a host, no spaces or control characters, at most
// kMaxUrlLength bytes. Throws Error 22023 naming `arg`; the message never repeats the URL, which
// may hold a secret.
std::string CheckEndpointUrl(std::string_view url, std::string_view arg);

// The URL with every place a secret can hide masked by "***": the user info, every path segment
// of 16 or more characters, every query value; the fragment is dropped. Scheme, host, port and
// short path segments ("/v3", "/rpc") stay, so an operator still sees where a call went.
std::string RedactUrl(std::string_view url);

}  // namespace txrelay
