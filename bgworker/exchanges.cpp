#include "bgworker/exchanges.hpp"

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

CallIds ChainIds(std::int64_t chain_id) {
  CallIds ids;
  ids.chain_id = chain_id;
  return ids;
}

}  // namespace txrelay::bgworker
