// The secrets file of decision 69 (setting txrelay.secrets_file), read by the workers only.
#pragma once

#include <string>

#include "core/secret_refs.hpp"

namespace txrelay::bgworker {

// The URL with its ${NAME} references replaced from the secrets file, which is read again when the
// setting or the file changes. Throws Error (F0000) when the file cannot be used (missing, not a
// regular file, not owned by the server's user, readable by group or others, malformed) or lacks
// a name; the message names the file, the line or the secret, never a value.
std::string ResolveSecretRefs(const std::string& url);

}  // namespace txrelay::bgworker
