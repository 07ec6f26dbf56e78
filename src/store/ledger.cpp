#include "store/ledger.hpp"

#include "pg/spi.hpp"

namespace txrelay::store {

void PostWithdrawalEntry(const std::string& withdrawal_id, const std::string& kind, const Uint256& fee) {
  static const pg::Statement kPost(R"sql(
    INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
    SELECT $2, account, chain_id, asset, amount, $3::numeric, withdrawal_id
      FROM txrelay.withdrawals WHERE withdrawal_id = $1::uuid)sql",
                                   {TEXTOID, TEXTOID, TEXTOID});
  kPost.Run({pg::TextParam(withdrawal_id), pg::TextParam(kind), pg::TextParam(ToDecimal(fee))});
}

void PostWithdrawalEntries(const std::vector<std::string>& withdrawal_ids, const std::string& kind,
                           const std::vector<Uint256>& fees) {
  static const pg::Statement kPost(R"sql(
    INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, fee, withdrawal_id)
    SELECT $2, w.account, w.chain_id, w.asset, w.amount, u.fee::numeric, w.withdrawal_id
      FROM unnest($1::text[], $3::text[]) WITH ORDINALITY u (id, fee, n)
      JOIN txrelay.withdrawals w ON w.withdrawal_id = u.id::uuid
     ORDER BY u.n)sql",
                                   {TEXTARRAYOID, TEXTOID, TEXTARRAYOID});
  std::vector<std::string> fee_texts;
  for (const Uint256& fee : fees) fee_texts.push_back(ToDecimal(fee));
  kPost.Run({pg::TextArrayParam(withdrawal_ids), pg::TextParam(kind), pg::TextArrayParam(fee_texts)});
}

std::map<std::string, std::string> CommittedFees(const std::vector<std::string>& withdrawal_ids) {
  static const pg::Statement kFees(R"sql(
    SELECT withdrawal_id, fee FROM txrelay.ledger_entries
     WHERE withdrawal_id = ANY (ARRAY(SELECT unnest($1::text[])::uuid)) AND kind = 'COMMIT')sql",
                                   {TEXTARRAYOID});
  return kFees.Run({pg::TextArrayParam(withdrawal_ids)}).TextMap("withdrawal_id", "fee");
}

std::optional<CreditRow> FindCredit(const std::string& reference) {
  static const pg::Statement kFind(R"sql(
    SELECT entry_id, account, chain_id, asset, amount FROM txrelay.ledger_entries WHERE reference = $1)sql",
                                   {TEXTOID});
  const auto rows = kFind.Run({pg::TextParam(reference)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return CreditRow{r.Int64("entry_id"), r.Text("account"), r.Int64("chain_id"), r.Text("asset"),
                   r.Text("amount")};
}

std::int64_t InsertCredit(const std::string& account, std::int64_t chain_id, const std::string& asset,
                          const std::string& amount, const std::string& reference) {
  static const pg::Statement kInsert(R"sql(
    INSERT INTO txrelay.ledger_entries (kind, account, chain_id, asset, amount, reference)
    VALUES ('CREDIT', $1, $2, $3, $4::numeric, $5) RETURNING entry_id)sql",
                                     {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID});
  return kInsert
      .Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset), pg::TextParam(amount),
            pg::TextParam(reference)})
      .front()
      .Int64("entry_id");
}

AccountTotals LockAccount(const std::string& account, std::int64_t chain_id, const std::string& asset) {
  static const pg::Statement kLock(R"sql(
    SELECT credited, reserved, spent, last_hash, entry_count FROM txrelay.ledger_accounts
     WHERE account = $1 AND chain_id = $2 AND asset = $3 FOR UPDATE)sql",
                                   {TEXTOID, INT8OID, TEXTOID});
  static const pg::Statement kOpen(R"sql(
    INSERT INTO txrelay.ledger_accounts (account, chain_id, asset) VALUES ($1, $2, $3)
    ON CONFLICT ON CONSTRAINT ledger_accounts_pkey DO NOTHING)sql",
                                   {TEXTOID, INT8OID, TEXTOID});
  const auto key = {pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset)};
  auto rows = kLock.Run(key);
  if (rows.empty()) {
    kOpen.Run(key);
    rows = kLock.Run(key);
  }
  const auto r = rows.front();
  AccountTotals t{r.Text("credited"), r.Text("reserved"), r.Text("spent"), std::nullopt,
                  r.Int64("entry_count")};
  if (!r.IsNull("last_hash")) t.last_hash = r.Bytes("last_hash");
  return t;
}

void WriteAccountTotals(const std::string& account, std::int64_t chain_id, const std::string& asset,
                        const std::string& credited, const std::string& reserved, const std::string& spent,
                        std::int64_t last_entry_id, const std::vector<std::uint8_t>& last_hash) {
  static const pg::Statement kTotals(
      R"sql(
    UPDATE txrelay.ledger_accounts
       SET credited = $4::numeric, reserved = $5::numeric, spent = $6::numeric, entry_count = entry_count + 1,
           last_entry_id = $7, last_hash = $8, updated_at = now()
     WHERE account = $1 AND chain_id = $2 AND asset = $3)sql",
      {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, BYTEAOID});
  kTotals.Run({pg::TextParam(account), pg::Int8Param(chain_id), pg::TextParam(asset), pg::TextParam(credited),
               pg::TextParam(reserved), pg::TextParam(spent), pg::Int8Param(last_entry_id),
               pg::ByteaParam(last_hash.data(), last_hash.size())});
}

std::optional<ReserveRow> FindReserve(const std::string& withdrawal_id) {
  static const pg::Statement kReserve(R"sql(
    SELECT account, chain_id, asset, amount,
           (SELECT kind || ' entry ' || entry_id FROM txrelay.ledger_entries r
             WHERE r.withdrawal_id = $1::uuid AND r.kind IN ('COMMIT', 'RELEASE')) AS resolved_by
      FROM txrelay.ledger_entries WHERE withdrawal_id = $1::uuid AND kind = 'RESERVE')sql",
                                      {TEXTOID});
  const auto rows = kReserve.Run({pg::TextParam(withdrawal_id)});
  if (rows.empty()) return std::nullopt;
  const auto r = rows.front();
  return ReserveRow{r.Text("account"), r.Int64("chain_id"), r.Text("asset"), r.Text("amount"),
                    r.OptionalText("resolved_by")};
}

std::optional<std::int64_t> MsSinceLastCheckpoint() {
  static const pg::Statement kAge(R"sql(
    SELECT (extract(epoch FROM now() - max(taken_at)) * 1000)::bigint AS age_ms FROM txrelay.ledger_checkpoints)sql",
                                  {});
  return kAge.Run({}).front().OptionalInt64("age_ms");
}

CheckpointTaken TakeCheckpoint() {
  static const pg::Statement kTake(R"sql(
    SELECT t.version, encode(t.hash, 'hex') AS hash_hex,
           (SELECT count(*) FROM txrelay.ledger_checkpoint_accounts a WHERE a.version = t.version) AS accounts
      FROM txrelay.take_ledger_checkpoint() t)sql",
                                   {});
  const auto r = kTake.Run({}).front();
  return CheckpointTaken{r.Int64("version"), r.Text("hash_hex"), r.Int64("accounts")};
}

void RecordCheckpointRefusal(const std::string& message) {
  static const pg::Statement kRefused(R"sql(
    INSERT INTO txrelay.ledger_checkpoint_refusals (version, message)
    SELECT coalesce(max(version), 0) + 1, $1 FROM txrelay.ledger_checkpoints)sql",
                                      {TEXTOID});
  kRefused.Run({pg::TextParam(message)});
}

Datum SetCheckpointSigner(const std::string& signer, const std::string& address) {
  // From the next checkpoint on; a change of signer or address is itself on the record (set_at,
  // set_by), and the archive outside shows which address signed what.
  static const pg::Statement kSet(R"sql(
    INSERT INTO txrelay.ledger_checkpoint_signer AS g (signer, address, from_version)
    VALUES ($1, $2, (SELECT coalesce(max(version), 0) + 1 FROM txrelay.ledger_checkpoints))
    ON CONFLICT ON CONSTRAINT ledger_checkpoint_signer_pkey DO UPDATE
       SET signer = EXCLUDED.signer, address = EXCLUDED.address, from_version = EXCLUDED.from_version,
           set_at = now(), set_by = session_user
    RETURNING g)sql",
                                  {TEXTOID, TEXTOID});
  return kSet.Run({pg::TextParam(signer), pg::TextParam(address)}).front().TransferValue("g");
}

std::vector<CheckpointToSign> CheckpointsToSign(int limit) {
  static const pg::Statement kExists(
      "SELECT to_regclass('txrelay.ledger_checkpoint_signer') IS NOT NULL AS present", {});
  if (!kExists.Run({}).front().Bool("present")) return {};
  static const pg::Statement kDue(R"sql(
    SELECT c.version, '0x' || encode(c.hash, 'hex') AS hash_hex, g.address, s.url, s.url_redacted
      FROM txrelay.ledger_checkpoint_signer g JOIN txrelay.signers s ON s.name = g.signer
      JOIN txrelay.ledger_checkpoints c ON c.version >= g.from_version
     WHERE NOT EXISTS (SELECT FROM txrelay.ledger_checkpoint_signatures x WHERE x.version = c.version)
     ORDER BY c.version LIMIT $1)sql",
                                  {INT4OID});
  const auto rows = kDue.Run({pg::Int4Param(limit)});
  std::vector<CheckpointToSign> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back(
        {r.Int64("version"), r.Text("hash_hex"), r.Text("address"), r.Text("url"), r.Text("url_redacted")});
  }
  return out;
}

void RecordCheckpointSignature(std::int64_t version, const std::string& address, const Bytes& signature) {
  static const pg::Statement kRecord(R"sql(
    WITH s AS (INSERT INTO txrelay.ledger_checkpoint_signatures (version, address, signature)
               VALUES ($1, $2, $3) RETURNING *)
    SELECT pg_catalog.pg_notify('txrelay_checkpoints', json_build_object(
             'version', s.version, 'hash', '0x' || encode(c.hash, 'hex'), 'address', s.address,
             'signature', '0x' || encode(s.signature, 'hex'), 'signed_at', s.signed_at)::text)
      FROM s JOIN txrelay.ledger_checkpoints c USING (version))sql",
                                     {INT8OID, TEXTOID, BYTEAOID});
  kRecord.Run(
      {pg::Int8Param(version), pg::TextParam(address), pg::ByteaParam(signature.data(), signature.size())});
}

}  // namespace txrelay::store
