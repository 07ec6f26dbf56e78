#include "core/rpc/capability.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace txrelay::rpc {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool MethodUnsupported(const Reply& reply, std::string_view method) {
  if (!reply.is_error) return false;
  if (reply.error_code == -32601 || reply.error_code == -32004) return true;
  const std::string message = Lower(reply.error_message);
  if (message.find(Lower(method)) == std::string::npos) return false;
  for (const char* says : {"does not exist", "not available", "not supported", "not implemented",
                           "unsupported", "method not found"}) {
    if (message.find(says) != std::string::npos) return true;
  }
  return false;
}

}  // namespace txrelay::rpc
