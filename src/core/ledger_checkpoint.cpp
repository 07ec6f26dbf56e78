#include "core/ledger_checkpoint.hpp"

#include "core/canonical.hpp"
#include "core/error.hpp"

namespace txrelay {

Hash32 CheckpointAccountHash(const CheckpointAccount& a) {
  CanonicalEncoder enc("txrelay.ledger_checkpoint_account.v1");
  enc.Text(a.account)
      .Int(a.chain_id)
      .Text(a.asset)
      .Text(a.credited)
      .Text(a.reserved)
      .Text(a.spent)
      .Int(a.entry_count)
      .Raw(a.last_hash.data(), a.last_hash.size());
  return enc.Hash();
}

Hash32 CheckpointHash(const std::optional<Hash32>& prev_hash, std::int64_t version, std::int64_t taken_at_us,
                      const Bytes& account_hashes) {
  if (account_hashes.size() % Hash32{}.size() != 0) {
    throw Error(sqlstate::kInvalidParameter, "account_hashes must be a concatenation of 32-byte hashes",
                "Got " + std::to_string(account_hashes.size()) + " bytes.");
  }
  CanonicalEncoder enc("txrelay.ledger_checkpoint.v1");
  if (prev_hash) {
    enc.Raw(prev_hash->data(), prev_hash->size());
  } else {
    enc.OptionalText(std::nullopt);
  }
  enc.Int(version).Int(taken_at_us).Raw(account_hashes.data(), account_hashes.size());
  return enc.Hash();
}

}  // namespace txrelay
