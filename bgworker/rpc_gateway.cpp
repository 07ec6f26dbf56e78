#include "bgworker/rpc_gateway.hpp"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <chrono>
#include <random>

#include "bgworker/secrets_file.hpp"
#include "core/error.hpp"
#include "core/net_address.hpp"
#include "core/rpc/audit_body.hpp"

namespace txrelay::bgworker {

namespace {

std::string NewCorrelationId() {
  static std::mt19937_64 rng(std::random_device{}());
  const std::uint64_t a = rng(), b = rng();
  char text[37];
  snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
           static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
           static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
           static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

size_t AppendBody(char* data, size_t size, size_t count, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * count);
  return size * count;
}

rpc::TransportResult TransportOf(CURL* easy, CURLcode code) {
  using E = rpc::TransportResult::Error;
  rpc::TransportResult t;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t.http_status);
  switch (code) {
    case CURLE_OK:
      t.error = E::kNone;
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      t.error = E::kConnectRefused;
      break;
    case CURLE_OPERATION_TIMEDOUT: {
      // Connected (a new connection, or a kept-alive one reused) and request bytes out: the
      // request may have been processed. Otherwise nothing reached the endpoint.
      curl_off_t pretransfer_us = 0;
      long request_bytes = 0;
      curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
      curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes);
      t.error = pretransfer_us > 0 || request_bytes > 0 ? E::kTimeoutAfterConnect : E::kConnectTimeout;
      break;
    }
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      t.error = E::kSendOrReceive;
      break;
    default:
      t.error = E::kOther;
      break;
  }
  return t;
}

}  // namespace

struct RpcGateway::Transfer {
  Exchange* exchange = nullptr;
  std::size_t next_target = 0;  // index of the target after the one in use
  const Target* target = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string request;
  std::string response;
  HttpRecord record;
  std::chrono::steady_clock::time_point started;
  bool done = false;
  bool allow_link_local = false;
  bool refused_address = false;  // the URL resolved to a link-local or metadata address

  ~Transfer() {
    if (headers) curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

int GatewaySocketCallback(void*, int fd, int what, void* userp, void*) {
  auto* self = static_cast<RpcGateway*>(userp);
  if (what == CURL_POLL_REMOVE) {
    self->sockets_.erase(fd);
  } else {
    self->sockets_[fd] = what;
  }
  return 0;
}

int GatewayTimerCallback(void*, long timeout_ms, void* userp) {
  static_cast<RpcGateway*>(userp)->timeout_ms_ = timeout_ms;
  return 0;
}

namespace {
// Judges the address a URL resolved to before any packet leaves (decision 69): a name in DNS can
// point anywhere, so the check of the URL's text at add_rpc_endpoint is not enough.
curl_socket_t OpenSocketUnlessLinkLocal(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<RpcGateway::Transfer*>(clientp);
  char text[INET6_ADDRSTRLEN] = "";
  if (address->family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&address->addr)->sin_addr, text, sizeof text);
  } else if (address->family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&address->addr)->sin6_addr, text, sizeof text);
  }
  if (!t->allow_link_local && IsLinkLocalOrMetadataHost(text)) {
    t->refused_address = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

int SocketTrampoline(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp) {
  return GatewaySocketCallback(easy, static_cast<int>(s), what, userp, socketp);
}
int TimerTrampoline(CURLM* multi, long timeout_ms, void* userp) {
  return GatewayTimerCallback(multi, timeout_ms, userp);
}
}  // namespace

RpcGateway::RpcGateway(WaitFn wait, std::function<bool()> stop_requested,
                       std::function<std::int64_t()> now_ms)
    : wait_(std::move(wait)), stop_requested_(std::move(stop_requested)), now_ms_(std::move(now_ms)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, SocketTrampoline);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, TimerTrampoline);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
  multi_ = multi;
}

RpcGateway::~RpcGateway() {
  for (auto& t : running_) curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
  running_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

RpcGateway::EndpointState& RpcGateway::StateOf(const Target& target) {
  auto it = endpoints_.find(target.url);
  if (it != endpoints_.end()) {
    // Settings may have changed since (set_rpc_endpoint, a reload of the breaker settings).
    if (it->second.limiter.per_second() != std::max(1, target.max_requests_per_sec)) {
      it->second.limiter = rpc::RateLimiter(target.max_requests_per_sec);
    }
    it->second.breaker.Reconfigure(settings_.breaker_failure_threshold, settings_.breaker_cooldown_ms);
  } else {
    it = endpoints_
             .emplace(target.url, EndpointState{rpc::CircuitBreaker(settings_.breaker_failure_threshold,
                                                                    settings_.breaker_cooldown_ms),
                                                rpc::RateLimiter(target.max_requests_per_sec)})
             .first;
  }
  return it->second;
}

std::string RpcGateway::BreakerState(std::int64_t, const std::string& url) {
  auto it = endpoints_.find(url);
  if (it == endpoints_.end()) return "closed";
  return std::string(rpc::Name(it->second.breaker.state(now_ms_())));
}

RpcGateway::Start RpcGateway::StartNext(Exchange& exchange, std::size_t& next_target, std::int64_t& wait_ms) {
  const std::int64_t now = now_ms_();
  bool rate_limited = false;
  wait_ms = -1;
  while (next_target < exchange.targets.size()) {
    const Target& target = exchange.targets[next_target++];
    EndpointState& state = StateOf(target);
    if (state.breaker.state(now) == rpc::CircuitBreaker::State::kOpen) {
      exchange.last_error = "circuit breaker open for " + target.redacted;
      continue;
    }
    // The rate limit is ours, not the endpoint's fault: wait for a token rather than fail.
    if (const std::int64_t wait = state.limiter.WaitMs(now); wait > 0) {
      rate_limited = true;
      wait_ms = wait_ms < 0 ? wait : std::min(wait_ms, wait);
      continue;
    }
    if (!state.breaker.Allow(now)) {  // half-open and its one probe is out
      exchange.last_error = "circuit breaker half-open for " + target.redacted + ", probe in flight";
      continue;
    }
    std::string url;
    try {
      url = ResolveSecretRefs(target.url);
    } catch (const Error& e) {  // names the file or the secret, never a value
      exchange.last_error = std::string(e.what()) + ", for " + target.redacted;
      continue;
    }
    state.limiter.TryTake(now);
    StartTransfer(exchange, next_target, target, url, now);
    return Start::kStarted;
  }
  return rate_limited ? Start::kRateLimited : Start::kNoTarget;
}

void RpcGateway::StartTransfer(Exchange& exchange, std::size_t next_target, const Target& target,
                               const std::string& url, std::int64_t now) {
  auto t = std::make_unique<Transfer>();
  t->exchange = &exchange;
  t->next_target = next_target;
  t->target = &target;
  t->request = rpc::EncodeRequest(exchange.calls);
  t->record.correlation_id = NewCorrelationId();
  t->record.endpoint_id = target.endpoint_id;
  t->record.target = target.redacted;
  t->record.request_body = t->request;
  t->record.started_at_ms = now;
  t->started = std::chrono::steady_clock::now();
  t->easy = curl_easy_init();
  t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
  t->headers = curl_slist_append(t->headers, ("X-Request-Id: " + t->record.correlation_id).c_str());
  t->allow_link_local = settings_.allow_link_local;
  SetOptions(*t, url, exchange.fresh_connection);
  curl_multi_add_handle(static_cast<CURLM*>(multi_), t->easy);
  running_.push_back(std::move(t));
}

void RpcGateway::SetOptions(Transfer& t, const std::string& url, bool fresh_connection) {
  CURL* easy = t.easy;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());  // libcurl keeps its own copy
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is an answer, never followed
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, OpenSocketUnlessLinkLocal);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(t.request.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t.response);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, t.target->connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, t.target->request_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a PostgreSQL process
  curl_easy_setopt(easy, CURLOPT_PROXY, "");     // never an http_proxy from the environment
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  if (fresh_connection) curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
}

void RpcGateway::Queue(Exchange& exchange, std::size_t first_target, std::int64_t wait_ms) {
  const std::int64_t now = now_ms_();
  // Waiting for our own rate limit is bounded by the first target's request timeout.
  const std::int64_t budget = exchange.targets.empty() ? 10000 : exchange.targets.front().request_timeout_ms;
  waiting_.push_back({&exchange, first_target, now + wait_ms, now + budget});
}

void RpcGateway::Finish(Transfer& t, int code) {
  Exchange& ex = *t.exchange;
  const rpc::TransportResult transport = TransportOf(t.easy, static_cast<CURLcode>(code));
  std::optional<std::vector<rpc::Reply>> replies;
  if (transport.error == rpc::TransportResult::Error::kNone)
    replies = rpc::DecodeResponse(t.response, ex.calls);
  const rpc::Outcome outcome = rpc::Classify(transport, replies.has_value(), false);
  t.record.http_status = transport.http_status;
  t.record.outcome = outcome;
  // What the audit keeps of a body with no JSON-RPC answer in it: a summary, not what it said.
  if (!replies) t.record.response_body = rpc::AuditBody(t.response);
  if (code != CURLE_OK) t.record.transport_error = curl_easy_strerror(static_cast<CURLcode>(code));
  if (t.refused_address) {
    t.record.transport_error =
        "refused: the address is link-local or a cloud metadata service (txrelay.allow_link_local_endpoints)";
  }
  t.record.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t.started).count();
  ex.records.push_back(t.record);
  ex.outcome = outcome;
  EndpointState& state = StateOf(*t.target);
  if (rpc::EndpointFault(outcome)) {
    state.breaker.OnFailure(now_ms_());
  } else {
    state.breaker.OnSuccess();
  }
  if (outcome == rpc::Outcome::kOk) {
    ex.replies = std::move(replies);
    ex.last_error.clear();
    return;
  }
  ex.last_error = std::string(rpc::Name(outcome)) + " from " + t.target->redacted +
                  (t.record.transport_error.empty() ? "" : ": " + t.record.transport_error) +
                  (transport.http_status ? " (HTTP " + std::to_string(transport.http_status) + ")" : "");
  // Fail over when nothing can have happened, or when the endpoint is at fault and the calls may
  // safely repeat; an unknown outcome of a send goes back to the caller for a status check.
  const bool may_repeat = !rpc::OutcomeUnknown(outcome) || ex.failover_on_unknown;
  if (may_repeat && rpc::EndpointFault(outcome)) {
    std::size_t next = t.next_target;
    std::int64_t wait = 0;
    if (StartNext(ex, next, wait) == Start::kRateLimited) Queue(ex, t.next_target, wait);
  }
}

bool RpcGateway::Run(const std::vector<Exchange*>& exchanges) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  for (Exchange* ex : exchanges) {
    ex->replies.reset();
    ex->records.clear();
    ex->outcome = rpc::Outcome::kConnectFailed;  // until an exchange says otherwise: nothing sent
    ex->last_error = ex->targets.empty() ? "no endpoint configured" : "";
    std::size_t next = 0;
    std::int64_t wait = 0;
    if (StartNext(*ex, next, wait) == Start::kRateLimited) Queue(*ex, 0, wait);
  }
  int still_running = 0;
  curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &still_running);
  while (!running_.empty() || !waiting_.empty()) {
    CollectFinished();  // first: finishing may start a failover transfer
    const std::int64_t next_due = RetryWaiting();
    if (running_.empty() && waiting_.empty()) break;
    if (stop_requested_()) {
      for (auto& t : running_) curl_multi_remove_handle(multi, t->easy);
      running_.clear();
      waiting_.clear();
      return false;
    }
    WaitForSockets(next_due);
  }
  return !stop_requested_();
}

void RpcGateway::CollectFinished() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    const CURLcode code = msg->data.result;
    curl_multi_remove_handle(multi, msg->easy_handle);
    t->done = true;
    Finish(*t, code);
  }
  for (auto it = running_.begin(); it != running_.end();) {
    it = (*it)->done ? running_.erase(it) : std::next(it);
  }
}

// Exchanges whose rate-limit wait is over try again; past their budget they give up. Returns the
// milliseconds until the next one is due (-1: none waits).
std::int64_t RpcGateway::RetryWaiting() {
  std::int64_t next_due = -1;
  const std::int64_t now = now_ms_();
  std::vector<Waiting> still;
  for (Waiting& w : waiting_) {
    if (w.due_ms > now) {
      still.push_back(w);
      next_due = next_due < 0 ? w.due_ms - now : std::min(next_due, w.due_ms - now);
      continue;
    }
    std::size_t next = w.next_target;
    std::int64_t wait = 0;
    const Start started = StartNext(*w.exchange, next, wait);
    if (started == Start::kRateLimited && now + wait <= w.give_up_ms) {
      still.push_back({w.exchange, w.next_target, now + wait, w.give_up_ms});
      next_due = next_due < 0 ? wait : std::min(next_due, wait);
    } else if (started != Start::kStarted) {
      w.exchange->last_error = "rate limit of " + w.exchange->targets[w.next_target].redacted +
                               " left no slot within the request timeout";
    }
  }
  waiting_ = std::move(still);
  return next_due;
}

// One wait of the worker's loop on curl's sockets (and its latch), then curl's turn on what is ready.
void RpcGateway::WaitForSockets(std::int64_t next_due) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::vector<pg::worker::SocketInterest> interests;
  for (const auto& [fd, what] : sockets_) {
    interests.push_back({fd, what == CURL_POLL_IN || what == CURL_POLL_INOUT,
                         what == CURL_POLL_OUT || what == CURL_POLL_INOUT});
  }
  long timeout = timeout_ms_ < 0 ? 1000 : timeout_ms_;
  if (running_.empty()) timeout = static_cast<long>(next_due);
  if (next_due >= 0) timeout = std::min(timeout, static_cast<long>(next_due));
  int still_running = 0;
  const auto ready = wait_(interests, timeout);
  if (ready.empty()) {
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &still_running);
    return;
  }
  for (const auto& r : ready) {
    const int mask = (r.readable ? CURL_CSELECT_IN : 0) | (r.writable ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(multi, r.fd, mask, &still_running);
  }
}

}  // namespace txrelay::bgworker
