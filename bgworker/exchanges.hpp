// Building RPC exchanges and reading their replies: shared by the workers.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "bgworker/rpc_gateway.hpp"
#include "core/rpc/jsonrpc.hpp"

namespace txrelay::bgworker {

// A read: idempotent, so it may move on to another endpoint after an unknown outcome and reuse
// kept-alive connections.
Exchange ReadExchange(std::vector<Target> targets);

// A send or a signer call: stops on an unknown outcome (the caller checks the status first), on
// a fresh connection (libcurl cannot repeat it behind our back).
Exchange WriteExchange(std::vector<Target> targets);

void AddCall(Exchange& exchange, const std::string& method, nlohmann::json params, CallIds ids);

// The reply to call `i`, or nullptr when the exchange failed as a whole.
const rpc::Reply* ReplyAt(const Exchange& exchange, std::size_t i);

// CallIds of work on a chain only.
CallIds ChainIds(std::int64_t chain_id);

// Calls grouped into one exchange per key (a chain, a signer URL), each call remembering the item
// (an index into the caller's list) it was made for, so that the replies are read back per item.
template <class Key>
class Batch {
 public:
  // Adds a call for `item`; the key's exchange is made by `make()` on first use.
  template <class Make>
  void Add(const Key& key, Make make, std::size_t item, const std::string& method, nlohmann::json params,
           CallIds ids) {
    auto it = exchanges_.find(key);
    if (it == exchanges_.end()) it = exchanges_.emplace(key, make()).first;
    AddCall(it->second, method, std::move(params), std::move(ids));
    items_[key].push_back(item);
  }
  bool empty() const { return exchanges_.empty(); }
  // Runs every exchange at once; false if the worker is stopping.
  bool Run(RpcGateway& gateway) {
    std::vector<Exchange*> run;
    for (auto& [key, ex] : exchanges_) run.push_back(&ex);
    return run.empty() || gateway.Run(run);
  }
  // fn(item, reply or nullptr, exchange) for every call, in order.
  template <class Fn>
  void ForEach(Fn fn) const {
    for (const auto& [key, ex] : exchanges_) {
      const auto& items = items_.at(key);
      for (std::size_t i = 0; i < items.size(); ++i) fn(items[i], ReplyAt(ex, i), ex);
    }
  }
  // Hands the exchanges over to the audit.
  void MoveTo(std::vector<Exchange>& audit) {
    for (auto& [key, ex] : exchanges_) audit.push_back(std::move(ex));
    exchanges_.clear();
    items_.clear();
  }

 private:
  std::map<Key, Exchange> exchanges_;
  std::map<Key, std::vector<std::size_t>> items_;
};

}  // namespace txrelay::bgworker
