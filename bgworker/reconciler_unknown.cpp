#include "bgworker/reconciler_unknown.hpp"

#include "bgworker/exchanges.hpp"
#include "core/amount.hpp"
#include "core/hex.hpp"
#include "core/rpc/node_transaction.hpp"
#include "store/signature_requests.hpp"
#include "store/unknown_transactions.hpp"

namespace txrelay::bgworker {

namespace {

// At most this many nonces of a sender are asked for in one run (the lowest first); a sender with
// more is quarantined, as the 0.1.0 runs did.
constexpr std::uint64_t kMostUnknownNonces = 32;

// One unknown transaction as the report shows it, with the withdrawal reserved at its nonce when
// that withdrawal asks for exactly the same call (its payment, forgotten by the database).
nlohmann::json DescribeUnknown(const Unknown& u, const std::vector<store::RequestAtNonce>& requests) {
  nlohmann::json entry = {{"nonce", u.nonce}};
  const rpc::Reply* r = u.reply ? &*u.reply : nullptr;
  if (!r || r->is_error || !r->result.is_object()) {
    entry["transaction"] = r && r->is_error
                               ? rpc::DescribeErrorReply("eth_getTransactionBySenderAndNonce", *r)
                               : std::string("not named by the node");
    return entry;
  }
  const nlohmann::json& tx = r->result;
  const auto text = [&tx](const char* field) {
    return tx.contains(field) && tx[field].is_string() ? tx[field].get<std::string>() : std::string();
  };
  const CallShape chain_call{text("to"), rpc::HexQuantity256(tx.value("value", nlohmann::json())).value_or(0),
                             text("input")};
  entry["hash"] = text("hash");
  entry["to"] = chain_call.to;
  entry["value"] = ToDecimal(chain_call.value);
  entry["matches"] = nullptr;
  for (const auto& q : requests) {
    if (static_cast<std::uint64_t>(q.nonce) != u.nonce) continue;
    const CallShape asked{q.call.to_address, WeiAmount(q.call.value),
                          ToHex(q.call.data.data(), q.call.data.size())};
    entry[SameCall(chain_call, asked) ? "matches" : "differs_from"] = {{"withdrawal_id", q.withdrawal_id},
                                                                       {"idempotency_key", q.idempotency_key},
                                                                       {"status", q.withdrawal_status}};
  }
  return entry;
}

// The node's transaction at the nonce, rebuilt and checked: signed by this sender, at this nonce,
// on this chain; nullopt otherwise (the report shows what the node said).
std::optional<store::UnknownTransaction> Checked(const Unknown& u) {
  if (!u.reply || u.reply->is_error || !u.reply->result.is_object()) return std::nullopt;
  const auto parsed = rpc::ParseNodeTransaction(u.reply->result);
  if (!parsed.ok()) return std::nullopt;
  const eth::SignedTx& tx = *parsed.value;
  const Sender& s = *u.sender;
  if (tx.sender.Checksummed() != s.address || tx.tx.nonce != u.nonce ||
      tx.tx.chain_id != std::optional<std::uint64_t>(static_cast<std::uint64_t>(s.chain_id))) {
    return std::nullopt;  // another sender's, nonce's or chain's: not what was asked
  }
  return store::UnknownTransaction{s.chain_id,
                                   s.address,
                                   static_cast<std::int64_t>(u.nonce),
                                   ToHex(tx.hash.data(), tx.hash.size()),
                                   tx.tx.to->Checksummed(),
                                   ToDecimal(tx.tx.value),
                                   tx.tx.data,
                                   tx.raw};
}

}  // namespace

std::vector<Unknown> ReadUnknownTransactions(RpcGateway& gateway,
                                             const std::map<std::int64_t, ChainConfig>& chains,
                                             const std::vector<Sender>& senders,
                                             std::vector<Exchange>& audit) {
  std::map<std::int64_t, Exchange> by_chain;
  std::map<std::int64_t, std::vector<Unknown>> asked;
  for (const Sender& s : senders) {
    const ChainConfig& chain = chains.at(s.chain_id);
    const NonceRange range = UnexplainedNonces(s.facts, kMostUnknownNonces);
    if (!chain.tx_by_sender_and_nonce || range.first == range.last) continue;
    auto it = by_chain.find(s.chain_id);
    if (it == by_chain.end()) it = by_chain.emplace(s.chain_id, ReadExchange(chain.endpoints)).first;
    for (std::uint64_t n = range.first; n < range.last; ++n) {
      AddCall(it->second, "eth_getTransactionBySenderAndNonce", {s.address, rpc::ToHexQuantity(n)},
              ChainIds(s.chain_id));
      asked[s.chain_id].push_back({&s, n, std::nullopt});
    }
  }
  std::vector<Exchange*> run;
  for (auto& [chain, ex] : by_chain) run.push_back(&ex);
  if (!run.empty()) gateway.Run(run);
  std::vector<Unknown> out;
  for (auto& [chain, ex] : by_chain) {
    for (std::size_t i = 0; i < asked[chain].size(); ++i) {
      if (const rpc::Reply* r = ReplyAt(ex, i)) asked[chain][i].reply = *r;
      out.push_back(asked[chain][i]);
    }
    audit.push_back(std::move(ex));
  }
  return out;
}

nlohmann::json UnknownReport(const Sender& s, const ChainConfig& chain, const std::vector<Unknown>& unknown) {
  const NonceRange range = UnexplainedNonces(s.facts, kMostUnknownNonces);
  if (range.first == range.last) return nlohmann::json::array();
  if (!chain.tx_by_sender_and_nonce) {
    return nlohmann::json::array(
        {{{"nonces", std::to_string(range.first) + ".." + std::to_string(range.last - 1)},
          {"transaction", "the node has no eth_getTransactionBySenderAndNonce to name them"}}});
  }
  const auto requests = store::PaymentRequestsAt(
      s.chain_id, s.address, static_cast<std::int64_t>(range.first), static_cast<std::int64_t>(range.last));
  nlohmann::json out = nlohmann::json::array();
  for (const Unknown& u : unknown) {
    if (u.sender == &s) out.push_back(DescribeUnknown(u, requests));
  }
  return out;
}

std::set<const Sender*> RecordUnknownTransactions(std::int64_t run_id, const std::vector<Sender>& senders,
                                                  const std::vector<Unknown>& unknown) {
  std::set<const Sender*> held;
  if (!store::UnknownTransactionsKept()) return held;
  std::map<const Sender*, std::uint64_t> recorded;
  for (const Unknown& u : unknown) {
    if (const auto tx = Checked(u)) {
      store::RecordUnknownTransaction(run_id, *tx);
      ++recorded[u.sender];
    }
  }
  for (const Sender& s : senders) {
    const NonceRange range = UnexplainedNonces(s.facts, kMostUnknownNonces);
    const bool all = range.first < range.last && range.last == s.facts.chain_mined &&
                     recorded[&s] == range.last - range.first;
    if (all && s.has_signer) held.insert(&s);
  }
  return held;
}

}  // namespace txrelay::bgworker
