#include "bgworker/tracker.hpp"

#include <algorithm>
#include <set>

#include "bgworker/withdrawal_writes.hpp"
#include "bgworker/audit.hpp"
#include "bgworker/fee_bump.hpp"
#include "bgworker/log_ids.hpp"
#include "bgworker/worker_settings.hpp"
#include "core/completion.hpp"
#include "core/ledger_entry.hpp"
#include "core/rpc/fees.hpp"
#include "core/rpc/jsonrpc.hpp"
#include "core/withdrawal_status.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"
#include "pg/worker_transaction.hpp"

namespace txrelay::bgworker {

namespace {

CallIds ChainIds(std::int64_t chain_id) {
  CallIds ids;
  ids.chain_id = chain_id;
  return ids;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A PostgreSQL text[] literal of 0x-hex strings (no quoting needed: [0-9a-fx] only).
std::string HexArray(const std::vector<std::string>& hashes) {
  std::string out = "{";
  for (std::size_t i = 0; i < hashes.size(); ++i) out += (i ? "," : "") + hashes[i];
  return out + "}";
}

// Moves a withdrawal from `from` to `to` (nothing if it is no longer in `from`).
bool MoveWithdrawal(const std::string& id, const char* from, const char* to, const std::string& reason) {
  static const pg::Statement kMove(
      "UPDATE txrelay.withdrawals SET status = $3, status_reason = $4 WHERE withdrawal_id = $1::uuid AND status = $2 "
      "RETURNING 1",
      {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  return !kMove.Run({pg::TextParam(id), pg::TextParam(from), pg::TextParam(to), pg::TextParam(reason)})
              .empty();
}

void Note(const std::string& withdrawal_id, const char* event, const std::string& reason,
          const nlohmann::json& detail) {
  AddWithdrawalNote(withdrawal_id, event, reason, detail.dump());
}

void PostResolution(const std::string& withdrawal_id, const char* kind, const Uint256& fee) {
  static const pg::Statement kPost(
      "INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id) "
      "SELECT $2, account, chain_id, asset, amount, $3::numeric, withdrawal_id FROM txrelay.withdrawals "
      "WHERE withdrawal_id = $1::uuid",
      {TEXTOID, TEXTOID, TEXTOID});
  kPost.Run({pg::TextParam(withdrawal_id), pg::TextParam(kind), pg::TextParam(ToDecimal(fee))});
}

Uint256 Amount(const std::optional<std::string>& text) {
  return text ? ParseAmount(*text, "amount", AmountRule::kNonNegative) : Uint256(0);
}

}  // namespace

// --- scheduling -----------------------------------------------------------------------------------

long Tracker::NextDueMs() const {
  const std::int64_t now = pg::worker::NowMs();
  long due = settings.tracker_poll_ms;
  for (const auto& [id, c] : chains_)
    due = std::min<long>(due, std::max<std::int64_t>(0, c.next_round_ms - now));
  return due;
}

void Tracker::Backoff(ChainState& c, const std::string& why) {
  const std::int64_t delay =
      rpc::FullJitterDelayMs(settings.TrackerBackoff(), c.failures, pg::worker::RandomU64());
  ++c.failures;
  c.next_round_ms = pg::worker::NowMs() + std::max<std::int64_t>(delay, settings.tracker_poll_ms);
  pg::worker::LogWarning("txrelay tracker: chain " + std::to_string(c.config.chain_id) + ": " + why +
                         "; looking again in " + std::to_string(c.next_round_ms - pg::worker::NowMs()) +
                         " ms (nothing is marked failed for it)");
  if (!audit_.empty()) {
    pg::WorkerTransaction txn;
    for (const auto& ex : audit_) WriteAudit(ex);
    audit_.clear();
    txn.Commit();
  }
}

bool Tracker::RunOnce() {
  std::vector<std::int64_t> ids;
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kChains("SELECT txrelay._chains_to_track()", {});
    const auto rows = kChains.Run({});
    for (std::uint64_t i = 0; i < rows.size(); ++i) ids.push_back(rows[i].Int64(0));
    for (std::int64_t id : ids) LoadChainConfig(id, chains_[id].config);
    txn.Commit();
  }
  bool changed = false;
  const std::int64_t now = pg::worker::NowMs();
  for (std::int64_t id : ids) {
    ChainState& c = chains_[id];
    if (now < c.next_round_ms || pg::worker::StopRequested()) continue;
    pg::worker::ReportActive("tracker: chain " + std::to_string(id));
    changed |= Round(c);
  }
  return changed;
}

// --- one chain ------------------------------------------------------------------------------------

std::optional<Heads> Tracker::ReadHeads(ChainState& c, BlockHeader& latest) {
  Exchange ex = ReadExchange(c.config.endpoints);
  const CallIds ids = ChainIds(c.config.chain_id);
  AddCall(ex, "eth_getBlockByNumber", {"latest", false}, ids);
  if (c.config.finality_by_tags) {
    AddCall(ex, "eth_getBlockByNumber", {"safe", false}, ids);
    AddCall(ex, "eth_getBlockByNumber", {"finalized", false}, ids);
  }
  gateway_.Run({&ex});
  std::vector<std::optional<BlockHeader>> headers;
  for (std::size_t i = 0; i < ex.calls.size(); ++i) {
    const rpc::Reply* r = ReplyAt(ex, i);
    headers.push_back(r && !r->is_error ? ParseBlockHeader(r->result) : std::nullopt);
  }
  const std::string error = ex.last_error;
  audit_.push_back(std::move(ex));
  if (!headers[0]) {
    Backoff(c, "cannot read the latest block: " + (error.empty() ? std::string("no header") : error));
    return std::nullopt;
  }
  latest = *headers[0];
  if (!c.config.finality_by_tags)
    return HeadsByDepth(latest.number, c.config.safe_depth, c.config.finalized_depth);
  Heads h;
  h.latest = latest.number;
  // A chain too young for a tag answers nothing or genesis: nothing is safe or final yet.
  h.safe = headers[1] ? headers[1]->number : 0;
  h.finalized = headers[2] ? headers[2]->number : 0;
  return h;
}

bool Tracker::SyncBlocks(ChainState& c, const BlockHeader& latest, std::vector<BlockHeader>& blocks,
                         std::optional<std::uint64_t>& fork) {
  const std::int64_t chain = c.config.chain_id;
  std::optional<std::pair<std::uint64_t, std::string>> top;
  std::map<std::uint64_t, std::string> stored;  // the part of the window compared below
  static const pg::Statement kTop(
      "SELECT number, '0x' || encode(hash, 'hex') FROM txrelay.chain_blocks WHERE chain_id = $1 ORDER BY number DESC LIMIT 1",
      {INT8OID});
  static const pg::Statement kStored(
      "SELECT number, '0x' || encode(hash, 'hex') FROM txrelay.chain_blocks WHERE chain_id = $1 AND number BETWEEN $2 AND $3",
      {INT8OID, INT8OID, INT8OID});
  auto read_stored = [&](std::uint64_t lo, std::uint64_t hi) {
    pg::WorkerTransaction txn;
    const auto rows = kStored.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(lo)),
                                   pg::Int8Param(static_cast<std::int64_t>(hi))});
    for (std::uint64_t i = 0; i < rows.size(); ++i)
      stored[static_cast<std::uint64_t>(rows[i].Int64(0))] = rows[i].Text(1);
    txn.Commit();
  };
  {
    pg::WorkerTransaction txn;
    const auto rows = kTop.Run({pg::Int8Param(chain)});
    if (!rows.empty())
      top = std::make_pair(static_cast<std::uint64_t>(rows.front().Int64(0)), rows.front().Text(1));
    txn.Commit();
  }
  // Canonical headers by number, read in one batch.
  auto fetch = [&](std::uint64_t lo, std::uint64_t hi, std::map<std::uint64_t, BlockHeader>& out) {
    if (hi < lo) return true;
    Exchange ex = ReadExchange(c.config.endpoints);
    for (std::uint64_t n = lo; n <= hi; ++n) {
      AddCall(ex, "eth_getBlockByNumber", {rpc::ToHexQuantity(n), false}, ChainIds(chain));
    }
    gateway_.Run({&ex});
    bool ok = true;
    for (std::uint64_t n = lo; n <= hi; ++n) {
      const rpc::Reply* r = ReplyAt(ex, n - lo);
      const auto h = r && !r->is_error ? ParseBlockHeader(r->result) : std::nullopt;
      if (!h) {
        ok = false;
        break;
      }
      out[n] = *h;
    }
    if (!ok)
      Backoff(c,
              "cannot read blocks " + std::to_string(lo) + ".." + std::to_string(hi) + ": " + ex.last_error);
    audit_.push_back(std::move(ex));
    return ok;
  };
  std::map<std::uint64_t, BlockHeader> canonical;
  canonical[latest.number] = latest;
  std::uint64_t from;
  if (!top) {
    // First look at this chain: the last blocks are enough, older inclusions are found by hash.
    constexpr std::uint64_t kFirstLook = 64;
    from = latest.number >= kFirstLook ? latest.number - kFirstLook + 1 : 1;
    fork.reset();
  } else if (top->first == latest.number && Lower(top->second) == Lower(latest.hash)) {
    fork = top->first;
    return true;  // nothing new
  } else {
    const std::uint64_t probe = std::min(top->first, latest.number);
    if (!canonical.count(probe) && !fetch(probe, probe, canonical)) return false;
    read_stored(probe, probe);
    if (stored.count(probe) && Lower(stored[probe]) == Lower(canonical[probe].hash)) {
      fork = probe;  // the stored chain is canonical up to here (blocks above it, if any, are gone)
    } else {
      // A reorg: walk back through the window to the highest block both agree on.
      const std::uint64_t window = static_cast<std::uint64_t>(settings.tracker_reorg_window);
      const std::uint64_t lo = probe > window ? probe - window : 0;
      if (probe > lo && !fetch(lo, probe - 1, canonical)) return false;
      read_stored(lo, probe);
      fork.reset();
      for (std::uint64_t n = probe; n-- > lo;) {
        if (stored.count(n) && Lower(stored[n]) == Lower(canonical[n].hash)) {
          fork = n;
          break;
        }
      }
      if (!fork) {
        fork = lo;
        pg::worker::LogWarning("txrelay tracker: chain " + std::to_string(chain) + ": reorg deeper than " +
                               std::to_string(window) + " blocks below " + std::to_string(probe) +
                               " (txrelay.tracker_reorg_window): inclusions above block " +
                               std::to_string(lo) + " are judged again");
      }
    }
    from = *fork + 1;
  }
  const std::uint64_t to =
      std::min(latest.number, from + static_cast<std::uint64_t>(settings.tracker_max_blocks_per_round) - 1);
  if (to >= from) {
    std::uint64_t missing_lo = from;
    while (missing_lo <= to && canonical.count(missing_lo)) ++missing_lo;
    std::uint64_t missing_hi = to;
    while (missing_hi >= missing_lo && canonical.count(missing_hi) && missing_hi > 0) --missing_hi;
    if (missing_lo <= missing_hi && !fetch(missing_lo, missing_hi, canonical)) return false;
  }
  // The new blocks must hang together (a reorg racing this read shows up as a broken link).
  std::optional<std::string> parent;
  if (fork && (!stored.count(*fork) || true)) {
    if (canonical.count(*fork))
      parent = canonical[*fork].hash;
    else if (stored.count(*fork))
      parent = stored[*fork];
    else if (top && top->first == *fork)
      parent = top->second;
  }
  for (std::uint64_t n = from; n <= to; ++n) {
    const BlockHeader& h = canonical[n];
    if (parent && Lower(h.parent_hash) != Lower(*parent)) {
      pg::worker::LogInfo("txrelay tracker: chain " + std::to_string(chain) +
                          ": blocks changed while read (at " + std::to_string(n) + "); reading again");
      c.next_round_ms = pg::worker::NowMs() + settings.tracker_poll_ms;
      return false;
    }
    parent = h.hash;
    blocks.push_back(h);
  }
  return true;
}

bool Tracker::ReadReceipts(ChainState& c, const std::vector<BlockHeader>& blocks,
                           std::vector<Receipt>& ours) {
  if (blocks.empty()) return true;
  Exchange ex = ReadExchange(c.config.endpoints);
  for (const auto& b : blocks) AddCall(ex, "eth_getBlockReceipts", {b.hash}, ChainIds(c.config.chain_id));
  gateway_.Run({&ex});
  std::vector<Receipt> all;
  bool ok = true;
  for (std::size_t i = 0; i < blocks.size() && ok; ++i) {
    const rpc::Reply* r = ReplyAt(ex, i);
    if (!r || r->is_error || !r->result.is_array()) {
      ok = false;  // null: the block left the chain meanwhile; an error: the node cannot tell now
      break;
    }
    for (const auto& rc : r->result) {
      Receipt x;
      x.tx_hash = Lower(rc.value("transactionHash", std::string()));
      x.block_number = blocks[i].number;
      x.block_hash = blocks[i].hash;
      x.status = rc.value("status", std::string("0x1")) == "0x1" ? 1 : 0;
      x.gas_used = rpc::HexQuantity256(rc.value("gasUsed", nlohmann::json("0x0"))).value_or(0);
      x.effective_gas_price =
          rpc::HexQuantity256(rc.value("effectiveGasPrice", nlohmann::json("0x0"))).value_or(0);
      all.push_back(std::move(x));
    }
  }
  const std::string error = ex.last_error;
  audit_.push_back(std::move(ex));
  if (!ok) {
    Backoff(c, "cannot read block receipts: " +
                   (error.empty() ? std::string("a block is gone or unreadable") : error));
    return false;
  }
  if (all.empty()) return true;
  std::vector<std::string> hashes;
  for (const auto& x : all) hashes.push_back(x.tx_hash);
  pg::WorkerTransaction txn;
  static const pg::Statement kOurs(
      "SELECT '0x' || encode(a.tx_hash, 'hex') FROM unnest($2::text[]) h "
      "JOIN txrelay.attempts a ON a.tx_hash = decode(substr(h, 3), 'hex') WHERE a.chain_id = $1",
      {INT8OID, TEXTOID});
  const auto rows = kOurs.Run({pg::Int8Param(c.config.chain_id), pg::TextParam(HexArray(hashes))});
  std::set<std::string> mine;
  for (std::uint64_t i = 0; i < rows.size(); ++i) mine.insert(rows[i].Text(0));
  txn.Commit();
  for (auto& x : all) {
    if (mine.count(x.tx_hash)) ours.push_back(std::move(x));
  }
  return true;
}

bool Tracker::Round(ChainState& c) {
  const std::int64_t chain = c.config.chain_id;
  BlockHeader latest;
  const auto heads = ReadHeads(c, latest);
  if (!heads) return false;
  std::vector<BlockHeader> blocks;
  std::optional<std::uint64_t> fork;
  std::optional<std::uint64_t> top_before;
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kTop("SELECT max(number) FROM txrelay.chain_blocks WHERE chain_id = $1",
                                    {INT8OID});
    const auto top = kTop.Run({pg::Int8Param(chain)}).front().OptionalInt64(0);
    if (top) top_before = static_cast<std::uint64_t>(*top);
    txn.Commit();
  }
  if (!SyncBlocks(c, latest, blocks, fork)) return false;
  std::vector<Receipt> ours;
  if (!ReadReceipts(c, blocks, ours)) return false;
  // What the tracker has read up to: while it catches up (tracker_max_blocks_per_round), its heads
  // are the last block read, so nothing is judged on blocks it has not seen.
  const bool synced = blocks.empty() || blocks.back().number == latest.number;
  Heads seen = *heads;
  const BlockHeader& seen_top = synced ? latest : blocks.back();
  seen.latest = seen_top.number;
  seen.safe = std::min(seen.safe, seen.latest);
  seen.finalized = std::min(seen.finalized, seen.latest);

  bool changed = !blocks.empty();
  {
    pg::WorkerTransaction txn;
    if (fork && top_before && *top_before > *fork) {
      UndoReorged(chain, *fork, latest.number);
      changed = true;
    }
    static const pg::Statement kBlock(
        "INSERT INTO txrelay.chain_blocks (chain_id, number, hash, parent_hash) "
        "VALUES ($1, $2, decode(substr($3, 3), 'hex'), decode(substr($4, 3), 'hex')) "
        "ON CONFLICT ON CONSTRAINT chain_blocks_pkey DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash",
        {INT8OID, INT8OID, TEXTOID, TEXTOID});
    for (const auto& b : blocks) {
      kBlock.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(b.number)),
                  pg::TextParam(b.hash), pg::TextParam(b.parent_hash)});
    }
    for (const auto& r : ours) RecordInclusion(chain, r);
    static const pg::Statement kHeads(
        "INSERT INTO txrelay.chain_heads AS h (chain_id, latest_number, latest_hash, safe_number, finalized_number) "
        "VALUES ($1, $2, decode(substr($3, 3), 'hex'), $4, $5) ON CONFLICT ON CONSTRAINT chain_heads_pkey DO UPDATE "
        "SET latest_number = EXCLUDED.latest_number, latest_hash = EXCLUDED.latest_hash, safe_number = EXCLUDED.safe_number, "
        "finalized_number = EXCLUDED.finalized_number, updated_at = now()",
        {INT8OID, INT8OID, TEXTOID, INT8OID, INT8OID});
    kHeads.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(seen.latest)),
                pg::TextParam(seen_top.hash), pg::Int8Param(static_cast<std::int64_t>(seen.safe)),
                pg::Int8Param(static_cast<std::int64_t>(seen.finalized))});
    // The window keeps what a reorg can still touch: at least tracker_reorg_window blocks, and
    // everything above the finalized block.
    static const pg::Statement kPrune(
        "DELETE FROM txrelay.chain_blocks WHERE chain_id = $1 AND number < least($2, $3 - $4)",
        {INT8OID, INT8OID, INT8OID, INT8OID});
    kPrune.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(seen.finalized)),
                pg::Int8Param(static_cast<std::int64_t>(seen.latest)),
                pg::Int8Param(settings.tracker_reorg_window)});
    changed |= AdvanceWithdrawals(chain, seen);
    for (const auto& ex : audit_) WriteAudit(ex);
    audit_.clear();
    txn.Commit();
  }
  // Sent transactions are judged once every block is read: one mined in an unread block is found
  // by its receipt there, not by a lookup of its own.
  if (synced) CheckPending(c, seen, latest);
  c.failures = 0;
  c.next_round_ms =
      pg::worker::NowMs() + (synced ? settings.tracker_poll_ms : 0);  // else more blocks are waiting
  return changed;
}

// --- database side ----------------------------------------------------------------------------------

void Tracker::UndoReorged(std::int64_t chain, std::uint64_t fork, std::uint64_t latest) {
  static const pg::Statement kGone(
      "SELECT a.attempt_id::text, a.withdrawal_id::text, w.status, '0x' || encode(a.tx_hash, 'hex'), a.block_number, "
      "'0x' || encode(a.block_hash, 'hex') FROM txrelay.attempts a JOIN txrelay.withdrawals w USING (withdrawal_id) "
      "WHERE a.chain_id = $1 AND a.status = 'included' AND a.block_number > $2 ORDER BY a.block_number",
      {INT8OID, INT8OID});
  static const pg::Statement kUninclude(
      "UPDATE txrelay.attempts SET status = 'sent', block_number = NULL, block_hash = NULL, receipt_status = NULL, "
      "gas_used = NULL, effective_gas_price = NULL, included_at = NULL, first_seen_block = $2, updated_at = now() "
      "WHERE attempt_id = $1::uuid",
      {TEXTOID, INT8OID});
  const auto rows = kGone.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(fork))});
  struct Gone {
    std::string attempt, withdrawal, status, tx, block_hash;
    std::int64_t block;
  };
  std::vector<Gone> gone;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    gone.push_back({rows[i].Text(0), rows[i].Text(1), rows[i].Text(2), rows[i].Text(3), rows[i].Text(5),
                    rows[i].Int64(4)});
  }
  for (const auto& g : gone) {
    kUninclude.Run({pg::TextParam(g.attempt), pg::Int8Param(static_cast<std::int64_t>(latest))});
    const std::string reason = "reorg: block " + std::to_string(g.block) + " (" + g.block_hash +
                               ") left the canonical chain with tx " + g.tx;
    if (g.status == "included" || g.status == "safe") {
      MoveWithdrawal(g.withdrawal, g.status.c_str(), "reorged", reason);
      Notify("reorged", g.withdrawal);
    }
    if (g.status == "safe" || g.status == "finalized") {
      pg::worker::LogWarning("txrelay tracker: CRITICAL: a " + g.status + " inclusion was reorged out: " +
                             reason + " " + WithdrawalLogIds(g.withdrawal, g.attempt, g.tx));
    }
    RequestResend(g.attempt, reason);  // anvil forgets reorged transactions; geth re-injects them
  }
  static const pg::Statement kForget("DELETE FROM txrelay.chain_blocks WHERE chain_id = $1 AND number > $2",
                                     {INT8OID, INT8OID});
  kForget.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(fork))});
}

void Tracker::RecordInclusion(std::int64_t chain, const Receipt& r) {
  static const pg::Statement kInclude(
      "UPDATE txrelay.attempts SET status = 'included', block_number = $2, block_hash = decode(substr($3, 3), 'hex'), "
      "receipt_status = $4, gas_used = $5::numeric, effective_gas_price = $6::numeric, included_at = now(), "
      "updated_at = now() WHERE tx_hash = decode(substr($1, 3), 'hex') AND status <> 'included' "
      "RETURNING attempt_id::text, withdrawal_id::text, from_address, nonce",
      {TEXTOID, INT8OID, TEXTOID, INT2OID, TEXTOID, TEXTOID});
  const auto rows =
      kInclude.Run({pg::TextParam(r.tx_hash), pg::Int8Param(static_cast<std::int64_t>(r.block_number)),
                    pg::TextParam(r.block_hash), pg::DatumParam(INT2OID, Int16GetDatum(r.status)),
                    pg::TextParam(ToDecimal(r.gas_used)), pg::TextParam(ToDecimal(r.effective_gas_price))});
  if (rows.empty()) return;  // already recorded
  const std::string attempt = rows.front().Text(0);
  const std::string withdrawal = rows.front().Text(1);
  const std::string from = rows.front().Text(2);
  const std::int64_t nonce = rows.front().Int64(3);
  // One attempt per nonce is ever included: the others (fee bumps, or the bumped one) lost.
  static const pg::Statement kReplaced(
      "UPDATE txrelay.attempts SET status = 'replaced', updated_at = now() WHERE chain_id = $1 AND from_address = $2 "
      "AND nonce = $3 AND attempt_id <> $4::uuid AND status IN ('created', 'sent', 'dropped')",
      {INT8OID, TEXTOID, INT8OID, TEXTOID});
  kReplaced.Run({pg::Int8Param(chain), pg::TextParam(from), pg::Int8Param(nonce), pg::TextParam(attempt)});
  // Nothing at this nonce needs sending or signing any more: a resend asked for after a reorg
  // that moved it, or a fee bump asked for while it was already on its way into a block.
  // The jobs are found by index (the nonce's attempts and fee-bump requests) and cancelled one by
  // one by primary key: a single UPDATE with the job filter let the planner scan every pending
  // job, 1 to 1.5 ms per inclusion during a burst (bench/pipeline.sh).
  static const pg::Statement kSettledJobs(
      "WITH r AS (UPDATE txrelay.signature_requests SET status = 'cancelled', updated_at = now() WHERE chain_id = $1 "
      "  AND from_address = $2 AND nonce = $3 AND kind = 'fee_bump' AND status = 'pending' RETURNING signature_request_id) "
      "SELECT j.outbox_id FROM txrelay.outbox j JOIN r USING (signature_request_id) "
      "UNION SELECT j.outbox_id FROM txrelay.outbox j JOIN txrelay.attempts a USING (attempt_id) "
      "WHERE a.chain_id = $1 AND a.from_address = $2 AND a.nonce = $3",
      {INT8OID, TEXTOID, INT8OID});
  static const pg::Statement kCancelJob(
      "UPDATE txrelay.outbox SET status = 'cancelled', done_at = now(), updated_at = now(), "
      "last_error = 'not needed: ' || $2 || ' is included' WHERE outbox_id = $1 AND status = 'pending' "
      "AND kind IN ('sign', 'broadcast')",
      {INT8OID, TEXTOID});
  std::vector<std::int64_t> jobs;
  {
    const auto rows = kSettledJobs.Run({pg::Int8Param(chain), pg::TextParam(from), pg::Int8Param(nonce)});
    for (std::uint64_t i = 0; i < rows.size(); ++i) jobs.push_back(rows[i].Int64(0));
  }
  for (const std::int64_t job : jobs) kCancelJob.Run({pg::Int8Param(job), pg::TextParam(r.tx_hash)});
  const std::string where = "block " + std::to_string(r.block_number) + " (" + r.block_hash + "), tx " +
                            r.tx_hash + (r.status == 1 ? "" : ", reverted (receipt status 0)");
  // Completed before a reorg (an included:N tier) and now in another block: the COMMIT stays
  // (resolved once, append-only) with the fee known then; the fee actually paid is recorded.
  static const pg::Statement kCommitted(
      "SELECT fee::text FROM txrelay.ledger_entries WHERE withdrawal_id = $1::uuid AND kind = 'COMMIT'",
      {TEXTOID});
  const auto committed = kCommitted.Run({pg::TextParam(withdrawal)});
  const Uint256 fee = ReceiptFee(r.gas_used, r.effective_gas_price);
  if (!committed.empty() && Amount(committed.front().OptionalText(0)) != fee) {
    const std::string before = committed.front().Text(0);
    Note(withdrawal, "fee_changed_after_completion",
         "included again after its completion, in " + where + ": the fee paid is " + ToDecimal(fee) +
             " wei, the COMMIT recorded " + before,
         {{"attempt_id", attempt},
          {"tx_hash", r.tx_hash},
          {"block_number", r.block_number},
          {"fee_committed", before},
          {"fee_final", ToDecimal(fee)}});
    pg::worker::LogWarning("txrelay tracker: a completed withdrawal was included again at another fee (" +
                           before + " -> " + ToDecimal(fee) + " wei) " +
                           WithdrawalLogIds(withdrawal, attempt, r.tx_hash));
  }
  // A send recorded only on chain (the broadcaster died before recording it) is broadcast too.
  MoveWithdrawal(withdrawal, "signed", "broadcasted", "found on chain: " + where);
  if (!MoveWithdrawal(withdrawal, "broadcasted", "included", "included in " + where)) {
    MoveWithdrawal(withdrawal, "reorged", "included", "included again in " + where);
  }
}

bool Tracker::AdvanceWithdrawals(std::int64_t chain, const Heads& heads) {
  static const pg::Statement kOpen(
      "SELECT w.withdrawal_id::text, w.status, w.completed_at IS NOT NULL, t.completion, a.block_number, "
      "a.receipt_status, a.gas_used::text, a.effective_gas_price::text, '0x' || encode(a.tx_hash, 'hex') "
      "FROM txrelay.withdrawals w JOIN txrelay.risk_tiers t ON t.tier = w.risk_tier "
      "JOIN txrelay.attempts a ON a.withdrawal_id = w.withdrawal_id AND a.status = 'included' "
      "WHERE w.chain_id = $1 AND (w.status IN ('included', 'safe') OR (w.status = 'finalized' AND w.completed_at IS NULL)) "
      "ORDER BY a.block_number",
      {INT8OID});
  static const pg::Statement kComplete(
      "UPDATE txrelay.withdrawals SET completed_at = now() WHERE withdrawal_id = $1::uuid AND completed_at IS NULL",
      {TEXTOID});
  const auto rows = kOpen.Run({pg::Int8Param(chain)});
  struct Open {
    std::string id, status;
    bool completed;
    Completion completion;
    std::uint64_t block;
    int receipt_status;
    Uint256 fee;
    std::string tx;
  };
  std::vector<Open> open;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    open.push_back({r.Text(0), r.Text(1), r.Bool(2), ParseCompletion(r.Text(3), "completion"),
                    static_cast<std::uint64_t>(r.Int64(4)), static_cast<int>(r.Int64(5)),
                    ReceiptFee(Amount(r.OptionalText(6)), Amount(r.OptionalText(7))), r.Text(8)});
  }
  // A finalized withdrawal without completion was moved by hand (the owner may write the table):
  // it is settled like any other, when the chain says its tier's level is reached.
  bool changed = false;
  for (const Open& w : open) {
    const WithdrawalStatus level = InclusionLevel(w.block, heads);
    const bool reached = CompletionReached(w.completion, w.block, heads);
    const std::string at = "block " + std::to_string(w.block) + ", tx " + w.tx;
    if (w.receipt_status == 0) {
      // Reverted: final once the tier's level is reached (a reorg could still bring it back
      // mined differently); the amount is released, the gas it burned is the fee.
      if (reached) {
        MoveWithdrawal(w.id, w.status.c_str(), "failed", "reverted on chain (receipt status 0) in " + at);
        PostResolution(w.id, "RELEASE", w.fee);
        Notify("failed", w.id);
        changed = true;
      } else if (level != WithdrawalStatus::kIncluded && w.status == "included") {
        changed |= MoveWithdrawal(w.id, "included", "safe", "safe: " + at);
      }
      continue;
    }
    std::string status = w.status;
    if (level == WithdrawalStatus::kSafe && status == "included") {
      changed |= MoveWithdrawal(w.id, "included", "safe", "safe: " + at);
      status = "safe";
    } else if (level == WithdrawalStatus::kFinalized) {
      changed |= MoveWithdrawal(w.id, status.c_str(), "finalized", "finalized: " + at);
    }
    if (reached && !w.completed) {
      kComplete.Run({pg::TextParam(w.id)});
      PostResolution(w.id, "COMMIT", w.fee);
      Note(w.id, "completed", "completed at its tier's level (" + w.completion.Text() + ") in " + at,
           {{"completion", w.completion.Text()},
            {"block_number", w.block},
            {"tx_hash", w.tx},
            {"fee", ToDecimal(w.fee)}});
      Notify("completed", w.id);
      changed = true;
    }
  }
  return changed;
}

void Tracker::RequestResend(const std::string& attempt_id, const std::string& why) {
  static const pg::Statement kResend(
      "INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id, attempt_id, last_error) "
      "SELECT 'broadcast', a.chain_id, a.withdrawal_id, a.signature_request_id, a.attempt_id, $2 "
      "FROM txrelay.attempts a WHERE a.attempt_id = $1::uuid AND NOT EXISTS (SELECT FROM txrelay.outbox o "
      "  WHERE o.attempt_id = a.attempt_id AND o.kind = 'broadcast' AND o.status IN ('pending', 'leased'))",
      {TEXTOID, TEXTOID});
  kResend.Run({pg::TextParam(attempt_id), pg::TextParam("resend: " + why)});
}

void Tracker::Notify(const std::string& event, const std::string& withdrawal_id) {
  // Delivered at commit, with the identifiers (DESIGN §4: the application is told).
  static const pg::Statement kNotify(
      "SELECT pg_catalog.pg_notify('txrelay_events', json_build_object('event', $1::text, 'withdrawal_id', w.withdrawal_id, "
      "'idempotency_key', w.idempotency_key, 'status', w.status, 'nonce_key', r.nonce_key, 'attempt_id', a.attempt_id, "
      "'tx_hash', '0x' || encode(a.tx_hash, 'hex'))::text) FROM txrelay.withdrawals w "
      "LEFT JOIN txrelay.nonce_reservations r USING (withdrawal_id) "
      "LEFT JOIN LATERAL (SELECT * FROM txrelay.attempts x WHERE x.withdrawal_id = w.withdrawal_id "
      "  ORDER BY (x.status = 'included') DESC, x.created_at DESC LIMIT 1) a ON true WHERE w.withdrawal_id = $2::uuid",
      {TEXTOID, TEXTOID});
  kNotify.Run({pg::TextParam(event), pg::TextParam(withdrawal_id)});
}

void Tracker::ReplacedExternally(std::int64_t chain, const std::string& from, std::uint64_t nonce,
                                 const std::string& replacing_tx) {
  static const pg::Statement kHolder(
      "SELECT r.withdrawal_id::text, w.status, r.nonce_key, w.idempotency_key FROM txrelay.nonce_reservations r "
      "JOIN txrelay.withdrawals w USING (withdrawal_id) WHERE r.chain_id = $1 AND r.from_address = $2 AND r.nonce = $3",
      {INT8OID, TEXTOID, INT8OID});
  const auto rows = kHolder.Run(
      {pg::Int8Param(chain), pg::TextParam(from), pg::Int8Param(static_cast<std::int64_t>(nonce))});
  if (rows.empty()) return;
  const std::string withdrawal = rows.front().Text(0);
  const std::string status = rows.front().Text(1);
  const std::string nonce_key = rows.front().Text(2);
  const std::string key = rows.front().Text(3);
  const std::string culprit =
      replacing_tx.empty() ? "a transaction not made by txrelay" : "transaction " + replacing_tx;
  const std::string reason = "nonce " + nonce_key + " was used on chain by " + culprit;
  static const pg::Statement kLost(
      "UPDATE txrelay.attempts SET status = 'replaced', updated_at = now() WHERE chain_id = $1 AND from_address = $2 "
      "AND nonce = $3 AND status IN ('created', 'sent', 'dropped')",
      {INT8OID, TEXTOID, INT8OID});
  kLost.Run({pg::Int8Param(chain), pg::TextParam(from), pg::Int8Param(static_cast<std::int64_t>(nonce))});
  if (status == "approved" || status == "signed" || status == "broadcasted" || status == "reorged") {
    MoveWithdrawal(withdrawal, status.c_str(), "replaced_externally", reason);
    PostResolution(withdrawal, "RELEASE", 0);
    Notify("replaced_externally", withdrawal);
  } else {
    Note(withdrawal, "nonce_used_externally", reason,
         {{"nonce_key", nonce_key}, {"replacing_tx", replacing_tx}});
  }
  // The sender's key was used outside txrelay: no further nonce until an operator has looked.
  static const pg::Statement kQuarantine(
      "UPDATE txrelay.senders SET status = 'quarantined', status_reason = $3, status_changed_at = now() "
      "WHERE chain_id = $1 AND address = $2 AND status <> 'quarantined'",
      {INT8OID, TEXTOID, TEXTOID});
  kQuarantine.Run({pg::Int8Param(chain), pg::TextParam(from),
                   pg::TextParam(reason + " (withdrawal " + withdrawal +
                                 "); investigate the key before "
                                 "txrelay.set_sender_status(..., 'active', ...)")});
  pg::worker::LogWarning("txrelay tracker: CRITICAL: " + reason + "; sender " + from + " quarantined " +
                         FormatLogIds({withdrawal, key, nonce_key, "", replacing_tx}));
}

// --- transactions not in a block ------------------------------------------------------------------

void Tracker::CheckPending(ChainState& c, const Heads& heads, const BlockHeader& latest) {
  const std::int64_t chain = c.config.chain_id;
  // Once per new block, or per tracker_check_after_ms on a chain without blocks.
  const std::int64_t now = pg::worker::NowMs();
  if (latest.number == c.pending_checked_block &&
      now - c.pending_checked_ms < settings.tracker_check_after_ms)
    return;
  struct Pending {
    std::string attempt, withdrawal, tx, from;
    std::uint64_t nonce, pending_blocks;
    Uint256 max_fee;
  };
  std::vector<Pending> due;
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kSeen(
        "UPDATE txrelay.attempts SET first_seen_block = $2 WHERE chain_id = $1 AND status = 'sent' AND first_seen_block IS NULL",
        {INT8OID, INT8OID});
    kSeen.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(heads.latest))});
    static const pg::Statement kDue(
        "SELECT attempt_id::text, withdrawal_id::text, '0x' || encode(tx_hash, 'hex'), from_address, nonce, "
        "greatest(0, $2 - first_seen_block), extract(epoch FROM now() - coalesce(sent_at, created_at)) * 1000 >= $4, "
        "max_fee_per_gas::text "
        "FROM txrelay.attempts WHERE chain_id = $1 AND status = 'sent' "
        "AND ($2 - first_seen_block >= $3 OR extract(epoch FROM now() - coalesce(sent_at, created_at)) * 1000 >= $4) "
        "ORDER BY from_address, nonce, created_at",
        {INT8OID, INT8OID, INT8OID, INT8OID});
    const auto rows = kDue.Run({pg::Int8Param(chain), pg::Int8Param(static_cast<std::int64_t>(heads.latest)),
                                pg::Int8Param(settings.tracker_check_after_blocks),
                                pg::Int8Param(settings.tracker_check_after_ms)});
    for (std::uint64_t i = 0; i < rows.size(); ++i) {
      const auto r = rows[i];
      std::uint64_t blocks = static_cast<std::uint64_t>(r.Int64(5));
      if (r.Bool(6))
        blocks =
            std::max<std::uint64_t>(blocks, static_cast<std::uint64_t>(settings.tracker_check_after_blocks));
      due.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), static_cast<std::uint64_t>(r.Int64(4)),
                     blocks, Amount(r.OptionalText(7))});
    }
    txn.Commit();
  }
  c.pending_checked_block = latest.number;
  c.pending_checked_ms = now;
  if (due.empty()) return;

  // Two calls per sender, whatever the number of its transactions: how far its nonces are mined
  // at the block read last (not 'latest', which may have moved on to blocks not read yet), and
  // how far the node's pool holds them without a gap ('pending').
  std::vector<std::string> senders;
  for (const auto& p : due) {
    if (senders.empty() || senders.back() != p.from) senders.push_back(p.from);
  }
  Exchange counts = ReadExchange(c.config.endpoints);
  for (const auto& s : senders) {
    AddCall(counts, "eth_getTransactionCount", {s, rpc::ToHexQuantity(latest.number)}, ChainIds(chain));
    AddCall(counts, "eth_getTransactionCount", {s, "pending"}, ChainIds(chain));
  }
  gateway_.Run({&counts});
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> nonces;  // sender -> (mined, pooled)
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const rpc::Reply* mined = ReplyAt(counts, 2 * i);
    const rpc::Reply* pooled = ReplyAt(counts, 2 * i + 1);
    if (!mined || mined->is_error || !pooled || pooled->is_error) continue;  // cannot tell now: next time
    const auto m = rpc::HexQuantity(mined->result);
    const auto p = rpc::HexQuantity(pooled->result);
    if (m && p) nonces[senders[i]] = {*m, std::max(*m, *p)};
  }
  const std::string counts_error = counts.last_error;
  audit_.push_back(std::move(counts));
  if (nonces.empty()) {
    Backoff(c, "cannot read the senders' nonces: " + counts_error);
    return;
  }

  // Only a transaction beyond the pool's gap-free run is looked up by hash: it is missing (dropped,
  // evicted) or queued behind a missing one. Steady state: no lookups at all.
  std::vector<PendingObservation> seen(due.size());
  std::vector<bool> judged(due.size(), false);
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < due.size(); ++i) {
    const auto n = nonces.find(due[i].from);
    if (n == nonces.end()) continue;
    PendingObservation& o = seen[i];
    o.pending_blocks = due[i].pending_blocks;
    o.nonce = due[i].nonce;
    o.sender_mined_nonce = n->second.first;
    o.priced_out = latest.base_fee && due[i].max_fee < *latest.base_fee;
    judged[i] = true;
    if (o.nonce < o.sender_mined_nonce) continue;  // its nonce is used: decided below by receipts
    if (o.nonce < n->second.second) {
      o.known_to_node = true;  // the pool holds a transaction at this nonce
    } else {
      missing.push_back(i);
    }
  }
  if (!missing.empty()) {
    Exchange lookups = ReadExchange(c.config.endpoints);
    for (std::size_t i : missing) {
      CallIds ids = ChainIds(chain);
      ids.attempt_id = due[i].attempt;
      ids.withdrawal_id = due[i].withdrawal;
      ids.tx_hash = due[i].tx;
      AddCall(lookups, "eth_getTransactionByHash", {due[i].tx}, ids);
    }
    gateway_.Run({&lookups});
    for (std::size_t k = 0; k < missing.size(); ++k) {
      const rpc::Reply* r = ReplyAt(lookups, k);
      if (!r || r->is_error) {
        judged[missing[k]] = false;  // cannot tell now
        continue;
      }
      PendingObservation& o = seen[missing[k]];
      o.known_to_node = r->result.is_object();
      o.in_block =
          o.known_to_node && r->result.contains("blockNumber") && !r->result["blockNumber"].is_null();
    }
    audit_.push_back(std::move(lookups));
  }
  std::vector<std::pair<const Pending*, PendingVerdict>> verdicts;
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (!judged[i]) continue;
    verdicts.emplace_back(
        &due[i], JudgePending(seen[i], static_cast<std::uint64_t>(settings.tracker_check_after_blocks),
                              static_cast<std::uint64_t>(settings.stuck_blocks)));
  }

  // A used nonce, or a transaction mined in a block not read yet: the receipts of all our attempts
  // at that nonce decide whether it was ours.
  std::set<std::pair<std::string, std::uint64_t>> used;
  for (const auto& [p, v] : verdicts) {
    if (v == PendingVerdict::kMined || v == PendingVerdict::kNonceUsed) used.insert({p->from, p->nonce});
  }
  std::vector<Receipt> found;
  std::set<std::pair<std::string, std::uint64_t>> ours_mined;
  std::map<std::pair<std::string, std::uint64_t>, std::string> culprits;
  if (!used.empty() && !ResolveUsedNonces(c, used, found, ours_mined, culprits)) return;

  pg::WorkerTransaction txn;
  for (const auto& f : found) RecordInclusion(chain, f);
  static const pg::Statement kSeenAgain(
      "UPDATE txrelay.attempts SET first_seen_block = $2 WHERE attempt_id = $1::uuid", {TEXTOID, INT8OID});
  std::set<std::pair<std::string, std::uint64_t>> handled;
  for (const auto& [p, v] : verdicts) {
    const std::pair<std::string, std::uint64_t> key{p->from, p->nonce};
    switch (v) {
      case PendingVerdict::kDropped:
        Note(p->withdrawal, "dropped",
             "unknown to the node and its nonce still free: the same bytes are sent again",
             {{"attempt_id", p->attempt}, {"tx_hash", p->tx}});
        RequestResend(p->attempt, "dropped from the node's pool");
        kSeenAgain.Run({pg::TextParam(p->attempt), pg::Int8Param(static_cast<std::int64_t>(heads.latest))});
        break;
      case PendingVerdict::kStuck:
        if (latest.base_fee) {
          RequestFeeBump(c.config, p->attempt, *latest.base_fee, std::nullopt,
                         "not in a block for " + std::to_string(p->pending_blocks) +
                             " blocks (txrelay.stuck_blocks = " + std::to_string(settings.stuck_blocks) +
                             ")");
        }
        break;
      case PendingVerdict::kNonceUsed:
        if (!ours_mined.count(key) && !handled.count(key)) {
          ReplacedExternally(chain, p->from, p->nonce, culprits.count(key) ? culprits[key] : "");
          handled.insert(key);
        }
        break;
      default:
        break;
    }
  }
  AdvanceWithdrawals(chain, heads);
  for (const auto& ex : audit_) WriteAudit(ex);
  audit_.clear();
  txn.Commit();
}

bool Tracker::ResolveUsedNonces(ChainState& c, const std::set<std::pair<std::string, std::uint64_t>>& used,
                                std::vector<Receipt>& found,
                                std::set<std::pair<std::string, std::uint64_t>>& ours_mined,
                                std::map<std::pair<std::string, std::uint64_t>, std::string>& culprits) {
  const std::int64_t chain = c.config.chain_id;
  std::vector<std::pair<std::pair<std::string, std::uint64_t>, std::string>>
      hashes;  // (sender, nonce) -> one of our hashes
  {
    pg::WorkerTransaction txn;
    static const pg::Statement kAt(
        "SELECT '0x' || encode(tx_hash, 'hex') FROM txrelay.attempts WHERE chain_id = $1 AND from_address = $2 AND nonce = $3",
        {INT8OID, TEXTOID, INT8OID});
    for (const auto& key : used) {
      const auto rows = kAt.Run({pg::Int8Param(chain), pg::TextParam(key.first),
                                 pg::Int8Param(static_cast<std::int64_t>(key.second))});
      for (std::uint64_t i = 0; i < rows.size(); ++i) hashes.push_back({key, Lower(rows[i].Text(0))});
    }
    txn.Commit();
  }
  Exchange rx = ReadExchange(c.config.endpoints);
  for (const auto& [key, h] : hashes) AddCall(rx, "eth_getTransactionReceipt", {h}, ChainIds(chain));
  gateway_.Run({&rx});
  if (rx.outcome != rpc::Outcome::kOk) {
    const std::string error = rx.last_error;
    audit_.push_back(std::move(rx));
    Backoff(c, "cannot read receipts: " + error);
    return false;
  }
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const rpc::Reply* r = ReplyAt(rx, i);
    if (!r || r->is_error || !r->result.is_object()) continue;
    Receipt x;
    x.tx_hash = hashes[i].second;
    x.block_number = rpc::HexQuantity(r->result.value("blockNumber", nlohmann::json("0x0"))).value_or(0);
    x.block_hash = r->result.value("blockHash", std::string());
    x.status = r->result.value("status", std::string("0x1")) == "0x1" ? 1 : 0;
    x.gas_used = rpc::HexQuantity256(r->result.value("gasUsed", nlohmann::json("0x0"))).value_or(0);
    x.effective_gas_price =
        rpc::HexQuantity256(r->result.value("effectiveGasPrice", nlohmann::json("0x0"))).value_or(0);
    found.push_back(x);
    ours_mined.insert(hashes[i].first);
  }
  audit_.push_back(std::move(rx));
  // Name the transaction that took a nonce (anvil answers this; other nodes may not).
  std::vector<std::pair<std::string, std::uint64_t>> asked;
  Exchange nx = ReadExchange(c.config.endpoints);
  for (const auto& key : used) {
    if (ours_mined.count(key)) continue;
    AddCall(nx, "eth_getTransactionBySenderAndNonce", {key.first, rpc::ToHexQuantity(key.second)},
            ChainIds(chain));
    asked.push_back(key);
  }
  if (asked.empty()) return true;
  gateway_.Run({&nx});
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const rpc::Reply* r = ReplyAt(nx, i);
    if (r && !r->is_error && r->result.is_object() && r->result.contains("hash")) {
      culprits[asked[i]] = r->result["hash"].get<std::string>();
    }
  }
  audit_.push_back(std::move(nx));
  return true;
}

}  // namespace txrelay::bgworker
