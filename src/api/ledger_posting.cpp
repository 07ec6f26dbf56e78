// The ledger trigger: every ledger entry, whoever inserts it, is checked against the account's
// totals (no negative available balance, no resolution beyond what is reserved, COMMIT/RELEASE
// only against the withdrawal's RESERVE), added to the account's totals under the account row's
// lock, and chained to the account's previous entry by hash (DESIGN §3, §8).

#include <optional>

#include "core/error.hpp"
#include "core/ledger_entry.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/trigger.hpp"

using namespace txrelay;

namespace {

// Set while the ledger trigger writes an account's totals: the only writer ledger_accounts has.
int posting_depth = 0;

class PostingScope {
 public:
  PostingScope() { ++posting_depth; }
  ~PostingScope() { --posting_depth; }
  PostingScope(const PostingScope&) = delete;
  PostingScope& operator=(const PostingScope&) = delete;
};

Datum HashDatum(const Hash32& h) { return pg::ByteaParam(h.data(), h.size()).value; }

LedgerBalance ParseBalance(const pg::Row& row) {
  LedgerBalance b;
  b.credited = ParseAmount(row.Text(0), "credited", AmountRule::kNonNegative);
  b.reserved = ParseAmount(row.Text(1), "reserved", AmountRule::kNonNegative);
  b.spent = ParseAmount(row.Text(2), "spent", AmountRule::kNonNegative);
  return b;
}

// The fields each kind needs (the table's shape CHECK runs only after this trigger).
void CheckShape(const LedgerEntryFields& e, LedgerKind kind) {
  if (kind == LedgerKind::kCredit) {
    if (!e.reference || e.withdrawal_id) {
      throw Error(sqlstate::kCheckViolation, "a CREDIT needs a reference and no withdrawal_id");
    }
  } else if (!e.withdrawal_id || e.reference) {
    throw Error(sqlstate::kCheckViolation, "a " + e.kind + " needs a withdrawal_id and no reference");
  }
}

// The RESERVE a COMMIT or RELEASE resolves must exist, on the same account, for the same amount,
// and must not be resolved already.
void CheckResolution(const LedgerEntryFields& e) {
  static const pg::Statement kReserve(
      "SELECT account, chain_id, asset, amount::text, "
      "(SELECT kind || ' entry ' || entry_id FROM txrelay.ledger_entries r WHERE r.withdrawal_id = $1::uuid "
      "  AND r.kind IN ('COMMIT', 'RELEASE')) "
      "FROM txrelay.ledger_entries WHERE withdrawal_id = $1::uuid AND kind = 'RESERVE'",
      {TEXTOID});
  const auto rows = kReserve.Run({pg::TextParam(*e.withdrawal_id)});
  if (rows.empty()) {
    throw Error(sqlstate::kCheckViolation, e.kind + " without a RESERVE for withdrawal " + *e.withdrawal_id,
                "A withdrawal's amount is reserved at request; only that reservation can be committed or "
                "released.");
  }
  const auto r = rows.front();
  if (const auto resolution = r.OptionalText(4)) {
    throw Error(sqlstate::kUniqueViolation,
                "the RESERVE of withdrawal " + *e.withdrawal_id + " is already resolved",
                "It was resolved by " + *resolution + "; a reservation is committed or released once.");
  }
  if (r.Text(0) != e.account || r.Int64(1) != e.chain_id || r.Text(2) != e.asset || r.Text(3) != e.amount) {
    throw Error(
        sqlstate::kCheckViolation, e.kind + " does not match the RESERVE of withdrawal " + *e.withdrawal_id,
        "Reserved " + r.Text(3) + " " + r.Text(2) + " of account " + Quote(r.Text(0)) +
            "; this entry moves " + e.amount + " " + e.asset + " of account " + Quote(e.account) + ".");
  }
}

}  // namespace

TXRELAY_SQL_FUNCTION(txrelay_ledger_entries_post) {
  const pg::Trigger trigger(fcinfo);
  if (!trigger.IsInsert() || !trigger.IsBefore() || !trigger.IsRowLevel()) {
    throw std::logic_error("_ledger_entries_post must be a BEFORE INSERT row trigger");
  }
  LedgerEntryFields e;
  e.kind = trigger.NewText("kind").value_or("");
  const auto kind = ParseLedgerKind(e.kind);
  if (!kind) {
    throw Error(sqlstate::kCheckViolation, "unknown ledger entry kind " + Quote(e.kind),
                "Entries are CREDIT, RESERVE, COMMIT or RELEASE.");
  }
  e.account = trigger.NewText("account").value_or("");
  e.chain_id = std::stoll(trigger.NewText("chain_id").value_or("0"));
  e.asset = trigger.NewText("asset").value_or("");
  e.amount = trigger.NewText("amount").value_or("0");
  e.fee = trigger.NewText("fee").value_or("0");
  e.withdrawal_id = trigger.NewText("withdrawal_id");
  e.reference = trigger.NewText("reference");
  e.entry_id = std::stoll(trigger.NewText("entry_id").value_or("0"));
  bool null_time = false;
  e.created_at_us = DatumGetTimestampTz(trigger.NewValue("created_at", &null_time));
  CheckShape(e, *kind);
  const Uint256 amount = ParseAmount(e.amount, "amount", AmountRule::kPositive);

  Hash32 hash;
  {  // SPI scope: the tuple returned below must be built after SPI_finish, outside SPI memory.
    pg::SpiConnection spi;
    const PostingScope posting;
    static const pg::Statement kLock(
        "SELECT credited::text, reserved::text, spent::text, last_hash, entry_count FROM "
        "txrelay.ledger_accounts "
        "WHERE account = $1 AND chain_id = $2 AND asset = $3 FOR UPDATE",
        {TEXTOID, INT8OID, TEXTOID});
    static const pg::Statement kOpen(
        "INSERT INTO txrelay.ledger_accounts (account, chain_id, asset) VALUES ($1, $2, $3) "
        "ON CONFLICT ON CONSTRAINT ledger_accounts_pkey DO NOTHING",
        {TEXTOID, INT8OID, TEXTOID});
    const auto key = {pg::TextParam(e.account), pg::Int8Param(e.chain_id), pg::TextParam(e.asset)};
    auto rows = kLock.Run(key);
    if (rows.empty()) {
      kOpen.Run(key);
      rows = kLock.Run(key);
    }
    const auto account = rows.front();
    const LedgerBalance before = ParseBalance(account);
    if (!account.IsNull(3)) {
      const auto prev = account.Bytes(3);
      e.prev_hash = AsHash32(prev.data(), prev.size());
    }
    e.account_seq = account.Int64(4) + 1;

    if (*kind == LedgerKind::kCommit || *kind == LedgerKind::kRelease) CheckResolution(e);
    LedgerBalance after;
    try {
      after = ApplyEntry(before, *kind, amount);
    } catch (const Error& error) {
      std::string detail = error.detail() + " Account " + Quote(e.account) + ", chain " +
                           std::to_string(e.chain_id) + ", asset " + e.asset;
      // A RESERVE is posted with its new withdrawal, which the failure rolls back: naming it would
      // point at a row that never existed.
      if (e.withdrawal_id && *kind != LedgerKind::kReserve) detail += ", withdrawal " + *e.withdrawal_id;
      throw Error(error.sqlstate(), error.what(), detail + ".", error.hint());
    }
    hash = LedgerEntryHash(e);

    static const pg::Statement kTotals(
        "UPDATE txrelay.ledger_accounts SET credited = $4::numeric, reserved = $5::numeric, spent = "
        "$6::numeric, "
        "entry_count = entry_count + 1, last_entry_id = $7, last_hash = $8, updated_at = now() "
        "WHERE account = $1 AND chain_id = $2 AND asset = $3",
        {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, BYTEAOID});
    kTotals.Run({pg::TextParam(e.account), pg::Int8Param(e.chain_id), pg::TextParam(e.asset),
                 pg::TextParam(ToDecimal(after.credited)), pg::TextParam(ToDecimal(after.reserved)),
                 pg::TextParam(ToDecimal(after.spent)), pg::Int8Param(e.entry_id),
                 pg::ByteaParam(hash.data(), hash.size())});
  }
  std::vector<std::pair<const char*, pg::Param>> replace;
  replace.emplace_back("hash", pg::DatumParam(BYTEAOID, HashDatum(hash)));
  replace.emplace_back("account_seq", pg::Int8Param(e.account_seq));
  replace.emplace_back("prev_hash", e.prev_hash ? pg::DatumParam(BYTEAOID, HashDatum(*e.prev_hash))
                                                : pg::DatumParam(BYTEAOID, Datum(0), true));
  return trigger.ProceedWith(replace);
}

// BEFORE INSERT OR UPDATE on ledger_accounts: the totals are a projection of the ledger, so
// they change only through a ledger entry, never by hand (a superuser included).
TXRELAY_SQL_FUNCTION(txrelay_ledger_accounts_guard) {
  const pg::Trigger trigger(fcinfo);
  if (posting_depth == 0) {
    throw Error(sqlstate::kAppendOnly,
                std::string("txrelay.ledger_accounts is maintained by the ledger: ") + trigger.EventName() +
                    " refused",
                "Account totals follow from ledger entries and are verified by txrelay.verify_ledger().",
                "Post a ledger entry (txrelay.credit, a withdrawal) instead of editing totals.");
  }
  return trigger.ProceedUnchanged();
}
