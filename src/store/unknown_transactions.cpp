#include "core/error.hpp"
#include "store/unknown_transactions.hpp"

#include "pg/spi.hpp"
#include "store/schema.hpp"

namespace txrelay::store {

bool UnknownTransactionsKept() { return TablePresent("txrelay.unknown_transactions"); }

void RecordUnknownTransaction(std::int64_t run_id, const UnknownTransaction& tx) {
  static const pg::Statement kInsert(
      R"sql(
    INSERT INTO txrelay.unknown_transactions
           (chain_id, from_address, nonce, tx_hash, to_address, value, data, raw_tx, found_by_run)
    VALUES ($1, $2, $3, decode(substr($4, 3), 'hex'), $5, $6::numeric, $7, $8, $9)
    ON CONFLICT DO NOTHING)sql",
      {INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID, INT8OID});
  kInsert.Run({pg::Int8Param(tx.chain_id), pg::TextParam(tx.from_address), pg::Int8Param(tx.nonce),
               pg::TextParam(tx.tx_hash), pg::TextParam(tx.to_address), pg::TextParam(tx.value),
               pg::ByteaParam(tx.data.data(), tx.data.size()),
               pg::ByteaParam(tx.raw_tx.data(), tx.raw_tx.size()), pg::Int8Param(run_id)});
}

std::vector<UnknownTransaction> LockOpenUnknownTransactions(std::int64_t chain_id) {
  if (!UnknownTransactionsKept()) return {};
  static const pg::Statement kOpen(R"sql(
    SELECT chain_id, from_address, nonce, '0x' || encode(tx_hash, 'hex') AS tx_hash, to_address, value::text AS value,
           data, raw_tx
      FROM txrelay.unknown_transactions WHERE chain_id = $1 AND settled IS NULL
     ORDER BY from_address, nonce FOR UPDATE)sql",
                                   {INT8OID});
  const auto rows = kOpen.Run({pg::Int8Param(chain_id)});
  std::vector<UnknownTransaction> out;
  for (std::uint64_t i = 0; i < rows.size(); ++i) {
    const auto r = rows[i];
    out.push_back({r.Int64("chain_id"), r.Text("from_address"), r.Int64("nonce"), r.Text("tx_hash"),
                   r.Text("to_address"), r.Text("value"), r.Bytes("data"), r.Bytes("raw_tx")});
  }
  return out;
}

void AdoptUnknownTransaction(const UnknownTransaction& tx, const std::string& withdrawal_id,
                             const std::string& attempt_id, const std::string& adopted_by) {
  static const pg::Statement kAdopt(R"sql(
    UPDATE txrelay.unknown_transactions
       SET settled = 'adopted', settled_at = now(), settled_by = $4, withdrawal_id = $5::uuid, attempt_id = $6::uuid
     WHERE chain_id = $1 AND from_address = $2 AND nonce = $3 AND settled IS NULL)sql",
                                    {INT8OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID});
  kAdopt.Run({pg::Int8Param(tx.chain_id), pg::TextParam(tx.from_address), pg::Int8Param(tx.nonce),
              pg::TextParam(adopted_by), pg::TextParam(withdrawal_id), pg::TextParam(attempt_id)});
}

Datum DismissUnknownTransaction(std::int64_t chain_id, const std::string& from_address, std::int64_t nonce,
                                const std::string& reason) {
  static const pg::Statement kDismiss(R"sql(
    UPDATE txrelay.unknown_transactions u
       SET settled = 'dismissed', settled_at = now(), settled_by = session_user, reason = $4
     WHERE chain_id = $1 AND from_address = $2 AND nonce = $3 AND settled IS NULL RETURNING u)sql",
                                      {INT8OID, TEXTOID, INT8OID, TEXTOID});
  static const pg::Statement kState(
      "SELECT settled FROM txrelay.unknown_transactions WHERE chain_id = $1 AND from_address = $2 AND nonce = $3",
      {INT8OID, TEXTOID, INT8OID});
  const auto rows = kDismiss.Run(
      {pg::Int8Param(chain_id), pg::TextParam(from_address), pg::Int8Param(nonce), pg::TextParam(reason)});
  if (!rows.empty()) return rows.front().TransferValue("u");
  const auto state = kState.Run({pg::Int8Param(chain_id), pg::TextParam(from_address), pg::Int8Param(nonce)});
  const std::string where =
      "chain " + std::to_string(chain_id) + ", sender " + from_address + ", nonce " + std::to_string(nonce);
  if (state.empty()) {
    throw InvalidArgument(
        "nonce", "names no unknown transaction",
        "None at " + where +
            "; SELECT * FROM txrelay.unknown_transactions WHERE settled IS NULL lists the open ones.");
  }
  throw InvalidArgument(
      "nonce", "names an unknown transaction settled already",
      "The one at " + where + " is " + state.front().Text("settled") + "; a settled one stays as it is.");
}

}  // namespace txrelay::store
