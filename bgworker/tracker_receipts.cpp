// Receipts: every receipt of each new block, read once by block hash (eth_getBlockReceipts) and
// kept where the transaction is ours - or, from a node without that method, the blocks'
// transaction lists (eth_getBlockByHash) and the receipts of ours (eth_getTransactionReceipt); and, for a
// nonce used on chain, the receipts of our attempts at it (ours mined?) or the transaction that took it.
// Receipts are read strictly (core/rpc/receipt) where they are ours: one of ours the tracker cannot fully
// read stops the round instead of being guessed; someone else's is only read for its hash.

#include "bgworker/tracker.hpp"
#include "core/rpc/capability.hpp"
#include "core/rpc/fields.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/attempts.hpp"

namespace txrelay::bgworker {

namespace {

// Why a call's answer could not be used: the transport, or the node's error.
std::string ReplyRefusal(const Exchange& ex, const rpc::Reply* r, std::string_view method) {
  if (!r) return ex.last_error.empty() ? std::string("no reply") : ex.last_error;
  return rpc::DescribeErrorReply(method, *r);
}

}  // namespace

// Only our receipts are read strictly (core/rpc/receipt.hpp): everyone's hashes first, ours
// picked out, then those.
bool Tracker::ReadReceipts(ChainState& c, const std::vector<rpc::BlockHeader>& blocks,
                           std::vector<rpc::Receipt>& ours) {
  if (blocks.empty()) return true;
  if (c.receipts_by_transaction || !c.config.block_receipts) return ReadReceiptsOneByOne(c, blocks, ours);
  Exchange ex = ReadExchange(c.config.endpoints);
  for (const auto& b : blocks) AddCall(ex, "eth_getBlockReceipts", {b.hash}, ChainIds(c.config.chain_id));
  gateway_.Run({&ex});
  if (const rpc::Reply* r = ReplyAt(ex, 0); r && rpc::MethodUnsupported(*r, "eth_getBlockReceipts")) {
    c.receipts_by_transaction = true;
    pg::worker::LogInfo("txrelay tracker: chain " + std::to_string(c.config.chain_id) + ": the node has no " +
                        rpc::DescribeErrorReply("eth_getBlockReceipts", *r) +
                        "; reading the receipts of our transactions one by one");
    audit_.push_back(std::move(ex));
    return ReadReceiptsOneByOne(c, blocks, ours);
  }
  std::vector<std::string> hashes;
  std::string error = ReceiptHashes(ex, blocks, hashes);
  if (error.empty() && !hashes.empty()) {
    pg::WorkerTransaction txn;
    const std::set<std::string> mine = store::OursAmong(c.config.chain_id, hashes);
    txn.Commit();
    for (std::size_t i = 0; i < blocks.size() && error.empty() && !mine.empty(); ++i) {
      auto parsed = rpc::ParseBlockReceipts(ReplyAt(ex, i)->result, blocks[i], mine);
      if (!parsed.ok()) error = parsed.error;
      if (parsed.ok()) ours.insert(ours.end(), parsed.value->begin(), parsed.value->end());
    }
  }
  audit_.push_back(std::move(ex));
  if (!error.empty()) {
    ours.clear();
    Backoff(c, "cannot read block receipts: " + error);
  }
  return error.empty();
}

// For a node without eth_getBlockReceipts: each block's transaction list, then the receipts of
// ours only, each checked to name the block that lists it.
bool Tracker::ReadReceiptsOneByOne(ChainState& c, const std::vector<rpc::BlockHeader>& blocks,
                                   std::vector<rpc::Receipt>& ours) {
  const std::int64_t chain = c.config.chain_id;
  Exchange bx = ReadExchange(c.config.endpoints);
  for (const auto& b : blocks) AddCall(bx, "eth_getBlockByHash", {b.hash, false}, ChainIds(chain));
  gateway_.Run({&bx});
  std::string error;
  std::vector<std::pair<std::size_t, std::string>> listed;  // (block index, tx hash)
  for (std::size_t i = 0; i < blocks.size() && error.empty(); ++i) {
    const rpc::Reply* r = ReplyAt(bx, i);
    if (!r || r->is_error) {
      error = ReplyRefusal(bx, r, "eth_getBlockByHash");
      break;
    }
    auto hashes = rpc::BlockTransactionHashes(r->result, blocks[i]);
    if (!hashes.ok()) error = hashes.error;
    for (auto& h : hashes.value.value_or(std::vector<std::string>{})) listed.emplace_back(i, std::move(h));
  }
  audit_.push_back(std::move(bx));
  if (error.empty()) error = ReadListedReceipts(chain, c.config.endpoints, blocks, listed, ours);
  if (!error.empty()) {
    ours.clear();
    Backoff(c, "cannot read block receipts: " + error);
  }
  return error.empty();
}

// The receipts of our transactions among those the blocks list; the error, or "".
std::string Tracker::ReadListedReceipts(std::int64_t chain, const std::vector<Target>& endpoints,
                                        const std::vector<rpc::BlockHeader>& blocks,
                                        const std::vector<std::pair<std::size_t, std::string>>& listed,
                                        std::vector<rpc::Receipt>& ours) {
  std::vector<std::string> hashes;
  for (const auto& [i, h] : listed) hashes.push_back(h);
  if (hashes.empty()) return "";
  pg::WorkerTransaction txn;
  const std::set<std::string> mine = store::OursAmong(chain, hashes);
  txn.Commit();
  std::vector<std::pair<std::size_t, std::string>> wanted;
  for (const auto& item : listed) {
    if (mine.count(item.second)) wanted.push_back(item);
  }
  if (wanted.empty()) return "";
  Exchange rx = ReadExchange(endpoints);
  for (const auto& [i, h] : wanted) AddCall(rx, "eth_getTransactionReceipt", {h}, ChainIds(chain));
  gateway_.Run({&rx});
  std::string error;
  for (std::size_t k = 0; k < wanted.size() && error.empty(); ++k) {
    const rpc::Reply* r = ReplyAt(rx, k);
    if (!r || r->is_error) {
      error = ReplyRefusal(rx, r, "eth_getTransactionReceipt");
      break;
    }
    auto receipt = rpc::ParseReceiptInBlock(r->result, wanted[k].second, blocks[wanted[k].first]);
    if (!receipt.ok()) error = receipt.error;
    if (receipt.ok()) ours.push_back(std::move(*receipt.value));
  }
  audit_.push_back(std::move(rx));
  return error;
}

// Every transaction hash of the blocks' receipts; the error when a block's receipts are missing.
std::string Tracker::ReceiptHashes(const Exchange& ex, const std::vector<rpc::BlockHeader>& blocks,
                                   std::vector<std::string>& hashes) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const rpc::Reply* r = ReplyAt(ex, i);
    if (!r || r->is_error) return ReplyRefusal(ex, r, "eth_getBlockReceipts");
    auto block_hashes = rpc::BlockReceiptHashes(r->result, blocks[i]);
    if (!block_hashes.ok()) return block_hashes.error;
    hashes.insert(hashes.end(), block_hashes.value->begin(), block_hashes.value->end());
  }
  return "";
}

bool Tracker::ResolveUsedNonces(ChainState& c, const std::set<NonceKey>& used, UsedNonces& out) {
  const std::int64_t chain = c.config.chain_id;
  std::vector<std::pair<NonceKey, std::string>> hashes;  // (sender, nonce) -> one of our hashes
  {
    pg::WorkerTransaction txn;
    for (const auto& key : used) {
      for (auto& h : store::HashesAtNonce(chain, key.first, key.second))
        hashes.emplace_back(key, std::move(h));
    }
    txn.Commit();
  }
  Exchange rx = ReadExchange(c.config.endpoints);
  for (const auto& [key, h] : hashes) AddCall(rx, "eth_getTransactionReceipt", {h}, ChainIds(chain));
  gateway_.Run({&rx});
  std::string error = rx.outcome == rpc::Outcome::kOk ? "" : rx.last_error;
  for (std::size_t i = 0; i < hashes.size() && error.empty(); ++i) {
    const rpc::Reply* r = ReplyAt(rx, i);
    if (!r || r->is_error || r->result.is_null()) continue;  // not mined (or not known now)
    auto receipt = rpc::ParseReceiptOf(r->result, hashes[i].second);
    if (!receipt.ok()) {
      error = receipt.error;
      break;
    }
    out.found.push_back(std::move(*receipt.value));
    out.ours_mined.insert(hashes[i].first);
  }
  audit_.push_back(std::move(rx));
  if (!error.empty()) {
    Backoff(c, "cannot read receipts: " + error);
    return false;
  }
  NameCulprits(c, used, out);
  return true;
}

// Names the transaction that took a nonce, where the node can say (anvil, reth, Erigon answer
// eth_getTransactionBySenderAndNonce; ganache and Hardhat have no such method).
void Tracker::NameCulprits(ChainState& c, const std::set<NonceKey>& used, UsedNonces& out) {
  if (!c.config.tx_by_sender_and_nonce) return;  // the probe found the node has no such method
  std::vector<NonceKey> asked;
  Exchange nx = ReadExchange(c.config.endpoints);
  for (const auto& key : used) {
    if (out.ours_mined.count(key)) continue;
    AddCall(nx, "eth_getTransactionBySenderAndNonce", {key.first, rpc::ToHexQuantity(key.second)},
            ChainIds(c.config.chain_id));
    asked.push_back(key);
  }
  if (asked.empty()) return;
  gateway_.Run({&nx});
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const rpc::Reply* r = ReplyAt(nx, i);
    if (!r || r->is_error || !r->result.is_object()) continue;
    auto hash = rpc::ReadHash32(r->result, "hash", "the transaction at the nonce");
    if (hash.ok()) out.culprits[asked[i]] = std::move(*hash.value);
  }
  audit_.push_back(std::move(nx));
}

}  // namespace txrelay::bgworker
