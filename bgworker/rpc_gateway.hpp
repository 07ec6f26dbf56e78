// The RPC gateway (DESIGN §6): one libcurl multi handle per worker, driven from the worker's own
// wait loop (its latch and curl's sockets in one wait, no threads), connections kept alive,
// JSON-RPC batches, connect and total timeouts, outcome classes, a circuit breaker and a rate
// limit per endpoint, failover between a chain's endpoints, and a record of every HTTP exchange
// for the append-only audit. No PostgreSQL header: it waits through the callbacks it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rpc/circuit_breaker.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/rpc/outcome.hpp"
#include "core/rpc/rate_limiter.hpp"
#include "pg/worker.hpp"

namespace txrelay::bgworker {

// An endpoint as configured (rpc_endpoints or a signer), with the state the gateway keeps for it.
struct Target {
  std::int64_t endpoint_id = 0;  // 0 for a signer
  std::string url;               // may hold a secret: used for the request only
  std::string redacted;          // what logs and the audit show
  long connect_timeout_ms = 3000;
  long request_timeout_ms = 10000;
  int max_requests_per_sec = 100;
};

// The identifiers of the work a call serves (DESIGN §1.7), carried into the audit.
struct CallIds {
  std::optional<std::string> withdrawal_id;
  std::optional<std::string> attempt_id;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> nonce_key;
  std::optional<std::string> tx_hash;
  std::optional<std::int64_t> chain_id;
};

// One HTTP exchange as it happened, for the audit (one row per JSON-RPC call in it).
struct HttpRecord {
  std::string correlation_id;  // sent as X-Request-Id
  std::int64_t endpoint_id = 0;
  std::string target;  // redacted URL
  std::string request_body;
  std::string response_body;
  long http_status = 0;
  rpc::Outcome outcome = rpc::Outcome::kOk;
  std::string transport_error;
  double latency_ms = 0;
  std::int64_t started_at_ms = 0;
};

// Calls that travel together in one HTTP request (a JSON-RPC batch when there are several),
// tried on `targets` in order.
struct Exchange {
  std::vector<rpc::Call> calls;
  std::vector<CallIds> ids;  // parallel to calls
  std::vector<Target> targets;
  // Reads may move on to the next endpoint after an unknown outcome; sends must not without a
  // status check first, so they stop and report it.
  bool failover_on_unknown = false;
  // libcurl silently repeats a request once when a kept-alive connection dies before any answer
  // byte; a fresh connection rules that out, so that every request that left is one we record.
  // Used for sends and signer calls (a batch per round, so the cost is one connect per batch).
  bool fresh_connection = false;

  // Filled by the gateway:
  rpc::Outcome outcome = rpc::Outcome::kConnectFailed;  // of the last HTTP exchange
  std::optional<std::vector<rpc::Reply>> replies;       // when the outcome is ok
  std::vector<HttpRecord> records;                      // every HTTP exchange made
  std::string last_error;                               // why it failed, for humans
};

struct GatewaySettings {
  int breaker_failure_threshold = 5;
  long breaker_cooldown_ms = 10000;
  bool allow_link_local = false;  // txrelay.allow_link_local_endpoints
};

class RpcGateway {
 public:
  using WaitFn = std::function<std::vector<pg::worker::SocketReady>(
      const std::vector<pg::worker::SocketInterest>&, long timeout_ms)>;
  RpcGateway(WaitFn wait, std::function<bool()> stop_requested, std::function<std::int64_t()> now_ms);
  ~RpcGateway();
  RpcGateway(const RpcGateway&) = delete;
  RpcGateway& operator=(const RpcGateway&) = delete;

  void Configure(const GatewaySettings& settings) { settings_ = settings; }

  // Runs the exchanges concurrently until each has an outcome (failing over where allowed).
  // Returns false if the worker was asked to stop meanwhile (transfers are abandoned).
  bool Run(const std::vector<Exchange*>& exchanges);

  // Breaker state of an endpoint (for logs and metrics).
  std::string BreakerState(std::int64_t endpoint_id, const std::string& url);

  struct Transfer;  // one HTTP request in flight (public for libcurl's C callbacks)

 private:
  struct EndpointState {
    rpc::CircuitBreaker breaker;
    rpc::RateLimiter limiter;
  };
  EndpointState& StateOf(const Target& target);
  // Starts the exchange on its next usable target. Returns kStarted, kNoTarget (every target
  // failed or has its breaker open) or kRateLimited (a usable target has no token yet:
  // `wait_ms` says when it will).
  enum class Start { kStarted, kNoTarget, kRateLimited };
  Start StartNext(Exchange& exchange, std::size_t& next_target, std::int64_t& wait_ms);
  void StartTransfer(Exchange& exchange, std::size_t next_target, const Target& target,
                     const std::string& url, std::int64_t now);
  static void SetOptions(Transfer& transfer, const std::string& url, bool fresh_connection);
  // The steps of Run's loop: finished transfers, rate-limited ones due again, one wait.
  void CollectFinished();
  std::int64_t RetryWaiting();
  void WaitForSockets(std::int64_t next_due);
  // Exchanges waiting for a rate-limit token, with the time they may try again.
  struct Waiting {
    Exchange* exchange;
    std::size_t next_target;
    std::int64_t due_ms;
    std::int64_t give_up_ms;
  };
  void Queue(Exchange& exchange, std::size_t first_target, std::int64_t wait_ms);
  void Finish(Transfer& transfer, int curl_code);

  WaitFn wait_;
  std::function<bool()> stop_requested_;
  std::function<std::int64_t()> now_ms_;
  GatewaySettings settings_;
  void* multi_ = nullptr;       // CURLM*
  std::map<int, int> sockets_;  // fd -> CURL_POLL_* interest
  long timeout_ms_ = -1;
  std::map<std::string, EndpointState> endpoints_;  // by URL
  std::vector<std::unique_ptr<Transfer>> running_;
  std::vector<Waiting> waiting_;

  friend int GatewaySocketCallback(void*, int, int, void*, void*);
  friend int GatewayTimerCallback(void*, long, void*);
};

}  // namespace txrelay::bgworker
