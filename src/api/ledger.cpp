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
#include "store/ledger.hpp"

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
  if (const auto existing = store::FindCredit(reference)) {
    const store::CreditRow& r = *existing;
    if (r.account == account && r.chain_id == chain_id && r.asset == asset && r.amount == amount) {
      return Int64GetDatum(r.entry_id);
    }
    throw Error(sqlstate::kAlreadyUsed,
                "reference " + Quote(reference) + " was already used for another credit",
                "Entry " + std::to_string(r.entry_id) + " credited " + r.amount + " " + r.asset +
                    " on chain " + std::to_string(r.chain_id) + " to account " + Quote(r.account) + ".",
                "A credit reference identifies one deposit; use a new reference for a new deposit.");
  }
  const std::int64_t entry_id = store::InsertCredit(account, chain_id, asset, amount, reference);
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
        R"sql(
    SELECT coalesce(sum(credited - reserved - spent), 0)::numeric AS available,
           coalesce(sum(reserved), 0)::numeric AS reserved, coalesce(sum(spent), 0)::numeric AS spent
      FROM txrelay.ledger_accounts WHERE account = $1 AND chain_id = $2 AND asset = $3)sql",
        {TEXTOID, INT8OID, TEXTOID});
    const auto row =
        kTotals.Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset)}).front();
    values[0] = row.TransferValue("available");
    values[1] = row.TransferValue("reserved");
    values[2] = row.TransferValue("spent");
  }
  return pg::ReturnRecord(fcinfo, values, nulls);
}
