// The ledger's hash functions as SQL sees them, so that verify_ledger() and the checkpoints
// recompute exactly what src/core computes: entry hashes (the per-account chain) and checkpoint
// hashes (the state versions, DESIGN §8).

#include <limits>

#include "core/ledger_checkpoint.hpp"
#include "core/ledger_entry.hpp"
#include "pg/args.hpp"
#include "pg/function.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

namespace {
Datum HashResult(const Hash32& hash) { return pg::ByteaParam(hash.data(), hash.size()).value; }
}  // namespace

// _ledger_entry_hash(prev_hash, entry_id, account_seq, kind, account, chain_id, asset, amount,
// fee, withdrawal_id, reference, created_at) -> bytea: the trigger's hash, for verify_ledger().
// NULL when a field is missing or prev_hash is not 32 bytes (verify_ledger reports the mismatch).
TXRELAY_SQL_FUNCTION(txrelay_ledger_entry_hash) {
  const pg::Args args(fcinfo);
  for (int i : {1, 2, 3, 4, 5, 6, 7, 8, 11}) {
    if (args.IsNull(i)) PG_RETURN_NULL();
  }
  LedgerEntryFields e;
  if (!args.IsNull(0)) {
    e.prev_hash = AsHash32(args.Bytea(0, "prev_hash"));
    if (!e.prev_hash) PG_RETURN_NULL();
  }
  e.entry_id = args.Int64(1, "entry_id");
  e.account_seq = args.Int64(2, "account_seq");
  e.kind = args.Text(3, "kind");
  e.account = args.Text(4, "account");
  e.chain_id = args.Int64(5, "chain_id");
  e.asset = args.Text(6, "asset");
  e.amount = args.NumericText(7, "amount");
  e.fee = args.NumericText(8, "fee");
  if (!args.IsNull(9)) e.withdrawal_id = pg::TextOfUuid(args.Raw(9));
  e.reference = args.OptionalText(10, "reference");
  e.created_at_us = DatumGetTimestampTz(args.Raw(11));
  return HashResult(LedgerEntryHash(e));
}

// _ledger_checkpoint_account_hash(account, chain_id, asset, credited, reserved, spent,
// entry_count, last_hash) -> bytea. NULL on a missing field or a last_hash that is not 32 bytes.
TXRELAY_SQL_FUNCTION(txrelay_ledger_checkpoint_account_hash) {
  const pg::Args args(fcinfo);
  for (int i = 0; i < 8; ++i) {
    if (args.IsNull(i)) PG_RETURN_NULL();
  }
  const auto last_hash = AsHash32(args.Bytea(7, "last_hash"));
  if (!last_hash) PG_RETURN_NULL();
  CheckpointAccount a;
  a.account = args.Text(0, "account");
  a.chain_id = args.Int64(1, "chain_id");
  a.asset = args.Text(2, "asset");
  a.credited = args.NumericText(3, "credited");
  a.reserved = args.NumericText(4, "reserved");
  a.spent = args.NumericText(5, "spent");
  a.entry_count = args.Int64(6, "entry_count");
  a.last_hash = *last_hash;
  return HashResult(CheckpointAccountHash(a));
}

// account_hashes has one hash per changed account, so no fixed cap fits it; the function is the
// extension's own, called by take_ledger_checkpoint and verify_ledger, not granted to any role.
constexpr std::size_t kAccountHashesMaxBytes = std::numeric_limits<std::size_t>::max();

// _ledger_checkpoint_hash(prev_hash, version, taken_at, account_hashes) -> bytea, where
// account_hashes is the changed accounts' hashes concatenated in byte order of their keys.
TXRELAY_SQL_FUNCTION(txrelay_ledger_checkpoint_hash) {
  const pg::Args args(fcinfo);
  for (int i : {1, 2, 3}) {
    if (args.IsNull(i)) PG_RETURN_NULL();
  }
  std::optional<Hash32> prev;
  if (!args.IsNull(0)) {
    prev = AsHash32(args.Bytea(0, "prev_hash"));
    if (!prev) PG_RETURN_NULL();
  }
  const std::string hashes = args.Bytea(3, "account_hashes", kAccountHashesMaxBytes);
  return HashResult(CheckpointHash(prev, args.Int64(1, "version"), DatumGetTimestampTz(args.Raw(2)),
                                   Bytes(hashes.begin(), hashes.end())));
}
