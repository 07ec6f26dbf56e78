// Secrets by reference (decision 69). An endpoint or signer URL may name a secret, "${NAME}",
// instead of holding it; the workers replace the name with its value from the secrets file
// (setting txrelay.secrets_file) right before a call. The secret then never appears in a SQL
// statement, a table, a dump or a log line: only its name does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpp_only.hpp"

namespace txrelay {

inline constexpr std::size_t kMaxSecretNameChars = 63;
inline constexpr std::size_t kMaxSecretsFileBytes = 64 * 1024;

using SecretValues = std::map<std::string, std::string, std::less<>>;

// The names a URL refers to, in order. Throws Error 22023 naming `arg` for a malformed reference
// ("${" without "}", a name that is not [A-Za-z_][A-Za-z0-9_]{0,62}).
std::vector<std::string> SecretNamesIn(std::string_view url, std::string_view arg);

// Reads a secrets file: lines NAME=VALUE, '#' comments and blank lines; a value is the rest of its
// line and must be non-empty printable ASCII without spaces (it goes into a URL). Throws Error
// (SQLSTATE F0000) naming the line; the message never holds a value.
SecretValues ParseSecretsFile(std::string_view text);

// The URL with every reference replaced by its value. Throws Error (F0000) naming the first
// secret the file does not have.
std::string ExpandSecretRefs(std::string_view url, const SecretValues& secrets);

}  // namespace txrelay
