#include "bgworker/exchanges.hpp"

#include "core/rpc/jsonrpc.hpp"

namespace txrelay::bgworker {

Exchange ReadExchange(std::vector<Target> targets) {
  Exchange ex;
  ex.targets = std::move(targets);
  ex.failover_on_unknown = true;
  return ex;
}

Exchange WriteExchange(std::vector<Target> targets) {
  Exchange ex;
  ex.targets = std::move(targets);
  ex.fresh_connection = true;
  return ex;
}

void AddCall(Exchange& ex, const std::string& method, nlohmann::json params, CallIds ids) {
  ex.calls.push_back({static_cast<std::int64_t>(ex.calls.size() + 1), method, std::move(params)});
  ex.ids.push_back(std::move(ids));
}

const rpc::Reply* ReplyAt(const Exchange& ex, std::size_t i) {
  if (ex.outcome != rpc::Outcome::kOk || !ex.replies || i >= ex.replies->size()) return nullptr;
  return &(*ex.replies)[i];
}

std::string ReplyError(const std::string& method, const rpc::Reply& r) {
  return method + ": " + std::to_string(r.error_code) + " " + r.error_message;
}

std::optional<BlockHeader> ParseBlockHeader(const nlohmann::json& b) {
  if (!b.is_object() || !b.contains("number") || !b.contains("hash") || !b.contains("parentHash"))
    return std::nullopt;
  const auto number = rpc::HexQuantity(b["number"]);
  if (!number || !b["hash"].is_string() || !b["parentHash"].is_string()) return std::nullopt;
  BlockHeader h;
  h.number = *number;
  h.hash = b["hash"].get<std::string>();
  h.parent_hash = b["parentHash"].get<std::string>();
  if (b.contains("baseFeePerGas")) h.base_fee = rpc::HexQuantity256(b["baseFeePerGas"]);
  return h;
}

}  // namespace txrelay::bgworker
