// The ledger API: credits (idempotent by reference) and balances. Entries themselves are checked,
// totalled and hash-chained by the ledger trigger (ledger_posting.cpp), whoever inserts them.

#include <cctype>
#include <optional>
#include <string_view>

#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "pg/worker_transaction.hpp"
#include "store/ledger.hpp"

using namespace txrelay;

namespace {

// Credits made by credit_deposit carry this canonical reference; credit may not forge one.
constexpr std::string_view kDepositReferencePrefix = "deposit:";

// The reference's credit, if any: the same credit again is its replay (the first entry's id);
// another credit under the reference is TR007.
std::optional<Datum> ReplayOfCredit(const std::string& account, std::int64_t chain_id,
                                    const std::string& asset, const std::string& amount,
                                    const std::string& reference) {
  const auto existing = store::FindCredit(reference);
  if (!existing) return std::nullopt;
  const store::CreditRow& r = *existing;
  if (r.account == account && r.chain_id == chain_id && r.asset == asset && r.amount == amount) {
    return Int64GetDatum(r.entry_id);
  }
  throw Error(sqlstate::kAlreadyUsed,
              "reference " + Quote(reference) + " was already used for another credit",
              "Entry " + std::to_string(r.entry_id) + " credited " + r.amount + " " + r.asset + " on chain " +
                  std::to_string(r.chain_id) + " to account " + Quote(r.account) + ".",
              "A credit reference identifies one deposit; use a new reference for a new deposit.");
}

// Posts a CREDIT once per reference. A concurrent credit of the same reference is waited for on
// the reference's unique index (no advisory lock: any role could take that one and block a
// deposit); the insert runs in a subtransaction, so that losing that race becomes a replay.
Datum Credit(const std::string& account, std::int64_t chain_id, const std::string& asset,
             const std::string& amount, const std::string& reference) {
  pg::SpiConnection spi;
  api::RequireAsset(chain_id, asset);
  if (const auto replay = ReplayOfCredit(account, chain_id, asset, amount, reference)) return *replay;
  std::int64_t entry_id = 0;
  const auto error = pg::RunInSubTransaction(
      [&] { entry_id = store::InsertCredit(account, chain_id, asset, amount, reference); });
  if (!error) return Int64GetDatum(entry_id);
  if (error->sqlerrcode == MAKE_SQLSTATE('2', '3', '5', '0', '5')) {
    if (const auto replay = ReplayOfCredit(account, chain_id, asset, amount, reference)) return *replay;
  }
  throw Error(unpack_sql_state(error->sqlerrcode), error->message);
}

// The first four arguments of credit and credit_deposit: who, where, what and how much.
struct CreditArgs {
  std::string account;
  std::int64_t chain_id = 0;
  std::string asset, amount;
};
CreditArgs ReadCreditArgs(const pg::Args& args) {
  return CreditArgs{CheckIdentifier(args.Text(0, "account"), "account"), args.Int64(1, "chain_id"),
                    args.Text(2, "asset"),
                    ToDecimal(ParseAmount(args.NumericText(3, "amount"), "amount", AmountRule::kPositive))};
}

// A transaction hash as 0x and 64 hex digits, any case; returned in lower case.
std::string CanonicalTxHash(const std::string& text) {
  const std::size_t start = text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0 ? 2 : std::string::npos;
  bool hex = start == 2 && text.size() == 66;
  std::string lower = "0x";
  for (std::size_t i = 2; hex && i < text.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    lower += c;
  }
  if (!hex) throw InvalidArgument("tx_hash", "is not a transaction hash", "Expected 0x and 64 hex digits.");
  return lower;
}

}  // namespace

// credit(account, chain_id, asset, amount, reference) -> entry_id: a credit by free reference
// (a bank wire, an internal transfer); references starting with "deposit:" are credit_deposit's.
TXRELAY_SQL_FUNCTION(txrelay_credit) {
  const pg::Args args(fcinfo);
  const CreditArgs c = ReadCreditArgs(args);
  const std::string reference = CheckIdentifier(args.Text(4, "reference"), "reference");
  if (reference.rfind(kDepositReferencePrefix, 0) == 0) {
    throw InvalidArgument(
        "reference", "is reserved for on-chain deposits",
        "References starting with " + Quote(std::string(kDepositReferencePrefix)) +
            " are made by txrelay.credit_deposit from the deposit's chain, hash and log index.");
  }
  return Credit(c.account, c.chain_id, c.asset, c.amount, reference);
}

// credit_deposit(account, chain_id, asset, amount, tx_hash, log_index) -> entry_id: an on-chain
// deposit, credited once whatever the spelling of its hash: the reference is
// "deposit:<chain_id>:<lower-case tx hash>:<log index>".
TXRELAY_SQL_FUNCTION(txrelay_credit_deposit) {
  const pg::Args args(fcinfo);
  const CreditArgs c = ReadCreditArgs(args);
  const std::string tx_hash = CanonicalTxHash(args.Text(4, "tx_hash"));
  const std::int64_t log_index = CheckRange(args.Int32(5, "log_index"), "log_index", 0, 2147483647);
  const std::string reference = std::string(kDepositReferencePrefix) + std::to_string(c.chain_id) + ":" +
                                tx_hash + ":" + std::to_string(log_index);
  return Credit(c.account, c.chain_id, c.asset, c.amount, reference);
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
