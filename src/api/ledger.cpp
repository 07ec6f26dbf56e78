// The ledger API: credits (idempotent by reference) and balances. Entries themselves are checked,
// totalled and hash-chained by the ledger trigger (ledger_posting.cpp), whoever inserts them.

#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

// credit(account, chain_id, asset, amount, reference) -> entry_id. The same reference with the
// same credit returns the first entry's id; with another credit it is TR007.
TXRELAY_SQL_FUNCTION(txrelay_credit) {
  const pg::Args args(fcinfo);
  const std::string account = CheckIdentifier(args.Text(0, "account"), "account");
  const std::int64_t chain_id = args.Int64(1, "chain_id");
  const std::string asset = args.Text(2, "asset");
  const std::string amount =
      ToDecimal(ParseAmount(args.NumericText(3, "amount"), "amount", AmountRule::kPositive));
  const std::string reference = CheckIdentifier(args.Text(4, "reference"), "reference");

  pg::SpiConnection spi;
  api::RequireAsset(chain_id, asset);
  api::LockKey(api::KeyKind::kCreditReference, reference);
  static const pg::Statement kExisting(
      "SELECT entry_id, account, chain_id, asset, amount::text FROM txrelay.ledger_entries "
      "WHERE reference = $1",
      {TEXTOID});
  const auto existing = kExisting.Run({pg::TextParam(reference)});
  if (!existing.empty()) {
    const auto r = existing.front();
    if (r.Text(1) == account && r.Int64(2) == chain_id && r.Text(3) == asset && r.Text(4) == amount) {
      return Int64GetDatum(r.Int64(0));
    }
    throw Error(sqlstate::kAlreadyUsed,
                "reference " + Quote(reference) + " was already used for another credit",
                "Entry " + std::to_string(r.Int64(0)) + " credited " + r.Text(4) + " " + r.Text(3) +
                    " on chain " + std::to_string(r.Int64(2)) + " to account " + Quote(r.Text(1)) + ".",
                "A credit reference identifies one deposit; use a new reference for a new deposit.");
  }
  static const pg::Statement kInsert(
      "INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference) "
      "VALUES ('CREDIT', $1, $2, $3, $4::numeric, $5) RETURNING entry_id",
      {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID});
  const std::int64_t entry_id =
      kInsert
          .Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset), pg::TextParam(amount),
                pg::TextParam(reference)})
          .front()
          .Int64(0);
  return Int64GetDatum(entry_id);
}

// balance(account, chain_id, asset) -> (available, reserved, spent), from the account's ledger
// totals; an account with no entries has zeros.
TXRELAY_SQL_FUNCTION(txrelay_balance) {
  const pg::Args args(fcinfo);
  const std::string account = CheckIdentifier(args.Text(0, "account"), "account");
  const std::int64_t chain_id = args.Int64(1, "chain_id");
  const std::string asset = args.Text(2, "asset");
  Datum values[3];
  bool nulls[3] = {false, false, false};
  {
    pg::SpiConnection spi;
    api::RequireAsset(chain_id, asset);
    static const pg::Statement kTotals(
        "SELECT coalesce(sum(credited - reserved - spent), 0)::numeric, coalesce(sum(reserved), 0)::numeric, "
        "coalesce(sum(spent), 0)::numeric FROM txrelay.ledger_accounts "
        "WHERE account = $1 AND chain_id = $2 AND asset = $3",
        {TEXTOID, INT8OID, TEXTOID});
    const auto row =
        kTotals.Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset)}).front();
    for (int i = 0; i < 3; ++i) values[i] = row.TransferValue(i);
  }
  return pg::ReturnRecord(fcinfo, values, nulls);
}
