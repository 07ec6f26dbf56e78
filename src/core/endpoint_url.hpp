// URLs of JSON-RPC endpoints and signers. They often carry API keys (in the user info, a path
// segment or the query), so everything but the stored configuration sees the redacted form.
#pragma once

#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace txrelay {

inline constexpr std::size_t kMaxUrlLength = 2048;

// Checks an http:// or https:// URL with a host, no spaces or control characters, at most
// kMaxUrlLength bytes, well-formed secret references (${NAME}), and, unless `allow_link_local`,
// no link-local or cloud metadata host. Throws Error 22023 naming `arg`; the message never
// repeats the URL, which may hold a secret.
std::string CheckEndpointUrl(std::string_view url, std::string_view arg, bool allow_link_local = false);

// The URL with every place a secret can hide masked by "***": the user info; a host label (but
// the last two) or a path segment that is long (24 / 16 characters or more) or mixes letters and
// digits in 8 or more; matrix parameters (";apikey=..."); every query value and bare query token;
// the fragment is dropped. Scheme, the provider's domain, port, short words ("/v3", "/rpc",
// "eth-mainnet") and secret references (${NAME}) stay, so an operator still sees where a call went.
std::string RedactUrl(std::string_view url);

}  // namespace txrelay
