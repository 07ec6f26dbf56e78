#include "core/ledger_entry.hpp"

#include <limits>

#include "core/canonical.hpp"
#include "core/error.hpp"

namespace txrelay {

namespace {
constexpr std::pair<LedgerKind, std::string_view> kKindNames[] = {
    {LedgerKind::kCredit, "CREDIT"},
    {LedgerKind::kReserve, "RESERVE"},
    {LedgerKind::kCommit, "COMMIT"},
    {LedgerKind::kRelease, "RELEASE"},
};
}  // namespace

std::optional<LedgerKind> ParseLedgerKind(std::string_view name) {
  for (const auto& [kind, n] : kKindNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::string_view Name(LedgerKind kind) {
  for (const auto& [k, n] : kKindNames) {
    if (k == kind) return n;
  }
  return "UNKNOWN";
}

LedgerBalance ApplyEntry(const LedgerBalance& balance, LedgerKind kind, const Uint256& amount) {
  LedgerBalance next = balance;
  const std::string a = ToDecimal(amount);
  switch (kind) {
    case LedgerKind::kCredit:
      if (amount > std::numeric_limits<Uint256>::max() - balance.credited) {
        throw Error(sqlstate::kCheckViolation, "credit would overflow the account's 256-bit total",
                    "Credited so far " + ToDecimal(balance.credited) + ", credit " + a + ".");
      }
      next.credited += amount;
      break;
    case LedgerKind::kReserve:
      if (amount > balance.Available()) {
        throw Error(sqlstate::kInsufficientBalance, "available balance too low",
                    "Available " + ToDecimal(balance.Available()) + ", requested " + a + ".",
                    "Credit the account first, or wait until pending withdrawals are released.");
      }
      next.reserved += amount;
      break;
    case LedgerKind::kCommit:
    case LedgerKind::kRelease:
      if (amount > balance.reserved) {
        throw Error(
            sqlstate::kCheckViolation, std::string(Name(kind)) + " exceeds the account's reserved amount",
            "Reserved " + ToDecimal(balance.reserved) + ", " + std::string(Name(kind)) + " " + a + ".");
      }
      next.reserved -= amount;
      if (kind == LedgerKind::kCommit) next.spent += amount;
      break;
  }
  return next;
}

Hash32 LedgerEntryHash(const LedgerEntryFields& e) {
  CanonicalEncoder enc("txrelay.ledger_entry.v1");
  if (e.prev_hash) {
    enc.Raw(e.prev_hash->data(), e.prev_hash->size());
  } else {
    enc.OptionalText(std::nullopt);
  }
  enc.Int(e.entry_id)
      .Int(e.account_seq)
      .Text(e.kind)
      .Text(e.account)
      .Int(e.chain_id)
      .Text(e.asset)
      .Text(e.amount)
      .Text(e.fee)
      .OptionalText(e.withdrawal_id ? std::optional<std::string_view>(*e.withdrawal_id) : std::nullopt)
      .OptionalText(e.reference ? std::optional<std::string_view>(*e.reference) : std::nullopt)
      .Int(e.created_at_us);
  return enc.Hash();
}

}  // namespace txrelay
