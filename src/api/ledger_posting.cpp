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
#include "store/ledger.hpp"

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

LedgerBalance ParseBalance(const store::AccountTotals& t) {
  LedgerBalance b;
  b.credited = ParseAmount(t.credited, "credited", AmountRule::kNonNegative);
  b.reserved = ParseAmount(t.reserved, "reserved", AmountRule::kNonNegative);
  b.spent = ParseAmount(t.spent, "spent", AmountRule::kNonNegative);
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
  const auto reserve = store::FindReserve(*e.withdrawal_id);
  if (!reserve) {
    throw Error(sqlstate::kCheckViolation, e.kind + " without a RESERVE for withdrawal " + *e.withdrawal_id,
                "A withdrawal's amount is reserved at request; only that reservation can be committed or "
                "released.");
  }
  const store::ReserveRow& r = *reserve;
  if (r.resolved_by) {
    throw Error(sqlstate::kUniqueViolation,
                "the RESERVE of withdrawal " + *e.withdrawal_id + " is already resolved",
                "It was resolved by " + *r.resolved_by + "; a reservation is committed or released once.");
  }
  if (r.account != e.account || r.chain_id != e.chain_id || r.asset != e.asset || r.amount != e.amount) {
    throw Error(
        sqlstate::kCheckViolation, e.kind + " does not match the RESERVE of withdrawal " + *e.withdrawal_id,
        "Reserved " + r.amount + " " + r.asset + " of account " + Quote(r.account) + "; this entry moves " +
            e.amount + " " + e.asset + " of account " + Quote(e.account) + ".");
  }
}

// The account's totals after the entry; the error names the account (and the withdrawal, unless
// the entry is a RESERVE, whose new withdrawal the failure rolls back).
LedgerBalance Apply(const LedgerEntryFields& e, const LedgerBalance& before, LedgerKind kind,
                    const Uint256& amount) {
  try {
    return ApplyEntry(before, kind, amount);
  } catch (const Error& error) {
    std::string detail = error.detail() + " Account " + Quote(e.account) + ", chain " +
                         std::to_string(e.chain_id) + ", asset " + e.asset;
    if (e.withdrawal_id && kind != LedgerKind::kReserve) detail += ", withdrawal " + *e.withdrawal_id;
    throw Error(error.sqlstate(), error.what(), detail + ".", error.hint());
  }
}

// Checks the entry against its account's totals, writes the new totals, and returns the entry's
// hash (e.prev_hash and e.account_seq are filled in).
Hash32 Post(LedgerEntryFields& e, LedgerKind kind, const Uint256& amount) {
  pg::SpiConnection spi;
  const PostingScope posting;
  const store::AccountTotals account = store::LockAccount(e.account, e.chain_id, e.asset);
  const LedgerBalance before = ParseBalance(account);
  if (account.last_hash) e.prev_hash = AsHash32(account.last_hash->data(), account.last_hash->size());
  e.account_seq = account.entry_count + 1;
  if (kind == LedgerKind::kCommit || kind == LedgerKind::kRelease) CheckResolution(e);
  const LedgerBalance after = Apply(e, before, kind, amount);
  const Hash32 hash = LedgerEntryHash(e);
  store::WriteAccountTotals(e.account, e.chain_id, e.asset, ToDecimal(after.credited),
                            ToDecimal(after.reserved), ToDecimal(after.spent), e.entry_id,
                            std::vector<std::uint8_t>(hash.begin(), hash.end()));
  return hash;
}

LedgerEntryFields EntryOf(const pg::Trigger& trigger) {
  LedgerEntryFields e;
  e.kind = trigger.NewText("kind").value_or("");
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
  return e;
}

}  // namespace

TXRELAY_SQL_FUNCTION(txrelay_ledger_entries_post) {
  const pg::Trigger trigger(fcinfo);
  if (!trigger.IsInsert() || !trigger.IsBefore() || !trigger.IsRowLevel()) {
    throw std::logic_error("_ledger_entries_post must be a BEFORE INSERT row trigger");
  }
  LedgerEntryFields e = EntryOf(trigger);
  const auto kind = ParseLedgerKind(e.kind);
  if (!kind) {
    throw Error(sqlstate::kCheckViolation, "unknown ledger entry kind " + Quote(e.kind),
                "Entries are CREDIT, RESERVE, COMMIT or RELEASE.");
  }
  CheckShape(e, *kind);
  const Uint256 amount = ParseAmount(e.amount, "amount", AmountRule::kPositive);
  // Post() closes its SPI connection before the tuple returned below is built outside SPI memory.
  const Hash32 hash = Post(e, *kind, amount);
  std::vector<std::pair<const char*, pg::Param>> replace;
  replace.emplace_back("hash", pg::DatumParam(BYTEAOID, HashDatum(hash)));
  replace.emplace_back("account_seq", pg::Int8Param(e.account_seq));
  replace.emplace_back(
      "prev_hash", e.prev_hash ? pg::DatumParam(BYTEAOID, HashDatum(*e.prev_hash)) : pg::NullParam(BYTEAOID));
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
