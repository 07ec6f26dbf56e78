#include "bgworker/withdrawal_writes.hpp"

#include "pg/postgres.hpp"
#include "pg/spi.hpp"

namespace txrelay::bgworker {

void AddWithdrawalNote(const std::string& withdrawal_id, const char* event, const std::string& reason,
                       const std::string& detail_json) {
  static const pg::Statement kNote("SELECT txrelay._add_note($1::uuid, $2, $3, $4::jsonb)",
                                   {TEXTOID, TEXTOID, TEXTOID, TEXTOID});
  kNote.Run({pg::TextParam(withdrawal_id), pg::TextParam(event), pg::TextParam(reason),
             pg::TextParam(detail_json)});
}

void EnqueueSign(std::int64_t chain_id, const std::string& withdrawal_id,
                 const std::string& signature_request_id) {
  static const pg::Statement kEnqueue("SELECT txrelay._enqueue_sign($1, $2::uuid, $3::uuid)",
                                      {INT8OID, TEXTOID, TEXTOID});
  kEnqueue.Run({pg::Int8Param(chain_id), pg::TextParam(withdrawal_id), pg::TextParam(signature_request_id)});
}

}  // namespace txrelay::bgworker
