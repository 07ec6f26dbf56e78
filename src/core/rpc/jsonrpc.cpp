#include "core/rpc/jsonrpc.hpp"

#include <limits>
#include <map>

#include "core/hex.hpp"
#include "core/rpc/parsed.hpp"

namespace txrelay::rpc {

std::string EncodeRequest(const std::vector<Call>& calls) {
  auto one = [](const Call& c) {
    return nlohmann::json{{"jsonrpc", "2.0"}, {"id", c.id}, {"method", c.method}, {"params", c.params}};
  };
  if (calls.size() == 1) return one(calls.front()).dump();
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& c : calls) batch.push_back(one(c));
  return batch.dump();
}

std::string DescribeErrorReply(std::string_view method, const Reply& reply) {
  return std::string(method) + ": " + std::to_string(reply.error_code) + " " +
         ShortenText(reply.error_message);
}

namespace {

std::optional<Reply> DecodeOne(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) return std::nullopt;
  Reply r;
  r.id = j["id"].get<std::int64_t>();
  if (j.contains("error") && j["error"].is_object()) {
    r.is_error = true;
    const auto& e = j["error"];
    if (e.contains("code") && e["code"].is_number_integer()) r.error_code = e["code"].get<long>();
    if (e.contains("message") && e["message"].is_string()) r.error_message = e["message"].get<std::string>();
    return r;
  }
  if (!j.contains("result")) return std::nullopt;
  r.result = j["result"];
  return r;
}

// Real answers nest a few levels (a batch of block receipts down to a log's topics: 7), so a
// body nested deeper than this is not an answer. It is refused while parsing (which does not
// recurse), because copying it would: nlohmann's copy recurses once a level, and a 200 kB body
// of '[' overflowed an 8 MB stack - a crashed worker, and PostgreSQL restarting every backend.
constexpr int kMaxNesting = 64;

std::optional<nlohmann::json> ParseShallow(const std::string& body) {
  bool too_deep = false;
  const auto guard = [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    using Event = nlohmann::json::parse_event_t;
    if ((event == Event::object_start || event == Event::array_start) && depth >= kMaxNesting)
      too_deep = true;
    return !too_deep;  // from there on nothing is kept
  };
  nlohmann::json j = nlohmann::json::parse(body, guard, /*allow_exceptions=*/false);
  if (too_deep || j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

std::optional<std::vector<Reply>> DecodeResponse(const std::string& body, const std::vector<Call>& calls) {
  const std::optional<nlohmann::json> parsed = ParseShallow(body);
  if (!parsed) return std::nullopt;
  const nlohmann::json& j = *parsed;
  std::vector<nlohmann::json> items;
  if (j.is_array()) {
    items.assign(j.begin(), j.end());
  } else {
    items.push_back(j);
  }
  std::map<std::int64_t, Reply> by_id;
  for (const auto& item : items) {
    auto reply = DecodeOne(item);
    if (!reply || by_id.count(reply->id)) return std::nullopt;
    by_id.emplace(reply->id, std::move(*reply));
  }
  std::vector<Reply> out;
  for (const auto& c : calls) {
    auto it = by_id.find(c.id);
    if (it == by_id.end()) return std::nullopt;
    out.push_back(std::move(it->second));
  }
  return out;
}

std::optional<Uint256> HexQuantity256(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string s = value.get<std::string>();
  if (s.size() < 3 || s.size() > 66 || s[0] != '0' || s[1] != 'x') return std::nullopt;
  Uint256 v = 0;
  for (std::size_t i = 2; i < s.size(); ++i) {
    const int d = HexDigitValue(s[i]);
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<unsigned>(d);
  }
  return v;
}

std::optional<std::uint64_t> HexQuantity(const nlohmann::json& value) {
  const auto v = HexQuantity256(value);
  if (!v || *v > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

std::string ToHexQuantity(const Uint256& value) {
  if (value == 0) return "0x0";
  std::string digits = ToHex(ToMinimalBigEndian(value), false);
  const auto first = digits.find_first_not_of('0');
  return "0x" + digits.substr(first);
}

}  // namespace txrelay::rpc
