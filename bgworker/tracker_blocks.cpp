// Heads and blocks: latest / safe / finalized (by the node's tags, or by depth), and the
// canonical blocks since the tracker's stored window, checked to hang together; where the stored
// window left the canonical chain, the fork point of the reorg.

#include "bgworker/tracker.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/rpc/fields.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"
#include "store/chain_blocks.hpp"

namespace txrelay::bgworker {

namespace {

// First look at a chain: the last blocks are enough, older inclusions are found by hash.
constexpr std::uint64_t kFirstLook = 64;

std::map<std::uint64_t, std::string> ReadStored(std::int64_t chain, std::uint64_t lo, std::uint64_t hi) {
  pg::WorkerTransaction txn;
  auto stored = store::StoredHashes(chain, lo, hi);
  txn.Commit();
  return stored;
}

bool Agree(const std::map<std::uint64_t, std::string>& stored, std::uint64_t n,
           const std::map<std::uint64_t, rpc::BlockHeader>& canonical) {
  const auto s = stored.find(n);
  const auto c = canonical.find(n);
  return s != stored.end() && c != canonical.end() && rpc::SameHash(s->second, c->second.hash);
}

}  // namespace

std::optional<Heads> Tracker::ReadHeads(ChainState& c, rpc::BlockHeader& latest) {
  Exchange ex = ReadExchange(c.config.endpoints);
  const CallIds ids = ChainIds(c.config.chain_id);
  AddCall(ex, "eth_getBlockByNumber", {"latest", false}, ids);
  if (c.config.finality_by_tags) {
    AddCall(ex, "eth_getBlockByNumber", {"safe", false}, ids);
    AddCall(ex, "eth_getBlockByNumber", {"finalized", false}, ids);
  }
  gateway_.Run({&ex});
  std::vector<std::optional<rpc::BlockHeader>> headers;
  std::string refusal;
  for (std::size_t i = 0; i < ex.calls.size(); ++i) {
    const rpc::Reply* r = ReplyAt(ex, i);
    if (!r || r->is_error) {
      headers.emplace_back();
      continue;
    }
    auto parsed = rpc::ParseBlockHeader(r->result);
    if (i == 0 && !parsed.ok()) refusal = parsed.error;
    headers.push_back(std::move(parsed.value));
  }
  const std::string error = !ex.last_error.empty() ? ex.last_error : refusal.empty() ? "no header" : refusal;
  audit_.push_back(std::move(ex));
  if (!headers[0]) {
    Backoff(c, "cannot read the latest block: " + error);
    return std::nullopt;
  }
  latest = *headers[0];
  if (!c.config.finality_by_tags)
    return HeadsByDepth(latest.number, c.config.safe_depth, c.config.finalized_depth);
  // A chain too young for a tag answers nothing or genesis: nothing is safe or final yet.
  return Heads{latest.number, headers[1] ? headers[1]->number : 0, headers[2] ? headers[2]->number : 0};
}

// Canonical headers lo..hi by number, read in one batch; false (after a backoff) if any is missing.
bool Tracker::FetchHeaders(ChainState& c, std::uint64_t lo, std::uint64_t hi,
                           std::map<std::uint64_t, rpc::BlockHeader>& out) {
  if (hi < lo) return true;
  Exchange ex = ReadExchange(c.config.endpoints);
  for (std::uint64_t n = lo; n <= hi; ++n) {
    AddCall(ex, "eth_getBlockByNumber", {rpc::ToHexQuantity(n), false}, ChainIds(c.config.chain_id));
  }
  gateway_.Run({&ex});
  std::string error;
  for (std::uint64_t n = lo; n <= hi && error.empty(); ++n) {
    const rpc::Reply* r = ReplyAt(ex, n - lo);
    if (!r || r->is_error) {
      error = r ? rpc::DescribeErrorReply("eth_getBlockByNumber", *r) : ex.last_error;
      break;
    }
    auto header = rpc::ParseBlockHeader(r->result);
    if (!header.ok()) error = "block " + std::to_string(n) + ": " + header.error;
    if (header.ok()) out[n] = std::move(*header.value);
  }
  audit_.push_back(std::move(ex));
  if (!error.empty())
    Backoff(c, "cannot read blocks " + std::to_string(lo) + ".." + std::to_string(hi) + ": " + error);
  return error.empty();
}

bool Tracker::SyncBlocks(ChainState& c, ChainView& view) {
  const rpc::BlockHeader& latest = view.latest;
  std::map<std::uint64_t, rpc::BlockHeader> canonical{{latest.number, latest}};
  std::uint64_t from;
  std::optional<std::string> parent;
  if (!view.top) {
    from = latest.number >= kFirstLook ? latest.number - kFirstLook + 1 : 1;
    view.fork.reset();
  } else if (view.top->number == latest.number && rpc::SameHash(view.top->hash, latest.hash)) {
    view.fork = view.top->number;
    return true;  // nothing new
  } else {
    if (!FindFork(c, std::min(view.top->number, latest.number), canonical, view.fork)) return false;
    from = *view.fork + 1;
    // The new blocks must hang from the fork block.
    if (canonical.count(*view.fork)) {
      parent = canonical[*view.fork].hash;
    } else if (view.top->number == *view.fork) {
      parent = view.top->hash;
    }
  }
  const std::uint64_t to =
      std::min(latest.number, from + static_cast<std::uint64_t>(settings.tracker_max_blocks_per_round) - 1);
  return LinkNewBlocks(c, from, to, parent, canonical, view.blocks);
}

// Where the stored window and the chain part: `probe` (the lower of the stored top and the latest
// block) when they agree there, else the highest block of the window they agree on.
bool Tracker::FindFork(ChainState& c, std::uint64_t probe,
                       std::map<std::uint64_t, rpc::BlockHeader>& canonical,
                       std::optional<std::uint64_t>& fork) {
  const std::int64_t chain = c.config.chain_id;
  if (!canonical.count(probe) && !FetchHeaders(c, probe, probe, canonical)) return false;
  if (Agree(ReadStored(chain, probe, probe), probe, canonical)) {
    fork = probe;  // the stored chain is canonical up to here (blocks above it, if any, are gone)
    return true;
  }
  // A reorg: walk back through the window to the highest block both agree on.
  const std::uint64_t window = static_cast<std::uint64_t>(settings.tracker_reorg_window);
  const std::uint64_t lo = probe > window ? probe - window : 0;
  if (probe > lo && !FetchHeaders(c, lo, probe - 1, canonical)) return false;
  const auto stored = ReadStored(chain, lo, probe);
  fork.reset();
  for (std::uint64_t n = probe; n-- > lo && !fork;) {
    if (Agree(stored, n, canonical)) fork = n;
  }
  if (!fork) {
    fork = lo;
    pg::worker::LogWarning("txrelay tracker: chain " + std::to_string(chain) + ": reorg deeper than " +
                           std::to_string(window) + " blocks below " + std::to_string(probe) +
                           " (txrelay.tracker_reorg_window): inclusions above block " + std::to_string(lo) +
                           " are judged again");
  }
  return true;
}

// Reads the blocks from..to not read yet and checks that each names the one before as its
// parent: a reorg racing this read shows up as a broken link, and the round is read again.
bool Tracker::LinkNewBlocks(ChainState& c, std::uint64_t from, std::uint64_t to,
                            const std::optional<std::string>& parent,
                            std::map<std::uint64_t, rpc::BlockHeader>& canonical,
                            std::vector<rpc::BlockHeader>& blocks) {
  if (to >= from) {
    std::uint64_t lo = from;
    while (lo <= to && canonical.count(lo)) ++lo;
    std::uint64_t hi = to;
    while (hi >= lo && canonical.count(hi) && hi > 0) --hi;
    if (lo <= hi && !FetchHeaders(c, lo, hi, canonical)) return false;
  }
  std::optional<std::string> link = parent;
  for (std::uint64_t n = from; n <= to; ++n) {
    const rpc::BlockHeader& h = canonical[n];
    if (link && !rpc::SameHash(h.parent_hash, *link)) {
      BrokenLink(c, n, h.parent_hash, *link);
      blocks.clear();
      return false;
    }
    link = h.hash;
    blocks.push_back(h);
  }
  c.broken_link_rounds = 0;
  return true;
}

// A reorg racing the read breaks a link once; the same link broken round after round is the
// node's own (hardhat_mine makes blocks whose parentHash is zero): after kBrokenLinkRounds it is a
// failure with a WARNING and the backoff, and the tracker_stalled alert follows.
void Tracker::BrokenLink(ChainState& c, std::uint64_t n, const std::string& parent_hash,
                         const std::string& expected) {
  constexpr int kBrokenLinkRounds = 3;
  c.broken_link_rounds = c.broken_link_at == n ? c.broken_link_rounds + 1 : 1;
  c.broken_link_at = n;
  if (c.broken_link_rounds < kBrokenLinkRounds) {
    pg::worker::LogInfo("txrelay tracker: chain " + std::to_string(c.config.chain_id) +
                        ": blocks changed while read (at " + std::to_string(n) + "); reading again");
    c.next_round_ms = pg::worker::NowMs() + settings.tracker_poll_ms;
    return;
  }
  Backoff(c, "block " + std::to_string(n) + " names " + parent_hash + " as its parent, not block " +
                 std::to_string(n - 1) + " (" + expected + "), in " + std::to_string(c.broken_link_rounds) +
                 " reads in a row: the node serves a broken chain (a test node's instant mining can)");
}

}  // namespace txrelay::bgworker
