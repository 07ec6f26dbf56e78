// The element a batch call (request_withdrawals, approve_withdrawals) failed on, for the error
// txrelay._batch raises again with the element's index (sql/src/51_batch_api.sql).
#pragma once

namespace txrelay::api {

// 0-based; -1 when the failure is the batch's as a whole. Each batch function sets it as it
// checks or writes an element; _batch reads it after the error, in the same backend.
extern int batch_failed_at;

}  // namespace txrelay::api
