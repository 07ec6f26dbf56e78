// Attempts (DESIGN §4): signed transactions, stored with their bytes and hash before the first
// send, and their life: created -> sent -> included | replaced | dropped (back to sent after a
// reorg). Several attempts may share a nonce (fee bumps); at most one of them is included.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pg/datum.hpp"

namespace txrelay::store {

// --- recording (submit_signed) ---

struct NewAttempt {
  std::string signature_request_id;
  std::vector<std::uint8_t> tx_hash, raw_tx;
  int tx_type = 0;
  std::int64_t gas_limit = 0;
  std::string max_fee_per_gas, max_priority_fee_per_gas;  // decimal wei
};
struct RecordedAttempt {
  Datum row;  // the txrelay.attempts row, in the caller's memory context
  std::string attempt_id;
  std::string tx_hash;  // 0x-hex
};
RecordedAttempt InsertAttempt(const NewAttempt& attempt);
// InsertAttempt for a round's attempts, in one statement, in their order: request id -> attempt id.
std::map<std::string, std::string> InsertAttempts(const std::vector<NewAttempt>& attempts);
// The attempt a signature request was signed into, if any.
std::optional<RecordedAttempt> AttemptOfRequest(const std::string& signature_request_id);

// A signer's transaction recorded through txrelay.submit_signed (the verification every signed
// transaction gets); its refusal is a PostgreSQL error (TR003, TR004, TR005, TR007).
struct SubmittedAttempt {
  std::string attempt_id;
  std::string tx_hash;  // 0x-hex
};
SubmittedAttempt SubmitSigned(const std::string& signature_request_id,
                              const std::vector<std::uint8_t>& raw_tx);
// A broadcaster round's signed transactions recorded through txrelay._submit_signed_round: every
// one verified as submit_signed verifies it, all or none (a refusal is a PostgreSQL error, and
// the caller records them one by one to find which). The attempt ids, in the requests' order.
std::vector<std::string> SubmitSignedRound(const std::vector<std::string>& signature_request_ids,
                                           const std::vector<std::vector<std::uint8_t>>& raw_txs);
// Whether the schema has _submit_signed_round (0.2.0; a 0.1.0 schema records one by one).
bool SubmitSignedRoundPresent();

// --- sending (broadcaster) ---

void MarkSent(const std::string& attempt_id);
// MarkSent for a round's attempts, in one statement.
void MarkSentMany(const std::vector<std::string>& attempt_ids);
// An attempt the node never accepted and a re-priced one replaces (created -> dropped).
void MarkRefused(const std::string& attempt_id);
// A sent attempt the node no longer holds, and that is not to be sent again (sent -> dropped).
void MarkDropped(const std::string& attempt_id);
// Whether a newer attempt at the same nonce (a fee bump) exists.
bool IsSuperseded(const std::string& attempt_id);

// --- tracking (tracker) ---

// A receipt of ours.
struct Inclusion {
  std::string tx_hash, block_hash;  // 0x-hex
  std::uint64_t block_number = 0;
  int receipt_status = 1;
  std::string gas_used, effective_gas_price;  // decimal
  std::string rollup_fee = "0";               // decimal: an OP-stack rollup's L1 data and operator fees
};
struct IncludedAttempt {
  std::string attempt_id, withdrawal_id, from_address;
  std::int64_t nonce = 0;
  std::string withdrawal_status;  // before this inclusion moves it
  bool pays = true;               // false for a gap filler (or its fee bump): nothing left the sender
  std::string tx_hash;            // 0x-hex
};
// A round's receipts of ours recorded in one statement: the attempts it included (those already
// included are left out).
std::vector<IncludedAttempt> IncludeAttempts(const std::vector<Inclusion>& inclusions);
// The other attempts at the nonce lost (created, sent or dropped -> replaced); `except` none: all.
void ReplaceOthersAtNonce(std::int64_t chain_id, const std::string& from, std::int64_t nonce,
                          const std::optional<std::string>& except);
// ReplaceOthersAtNonce for many nonces of one chain, in one statement.
struct NonceWinner {
  std::string from;
  std::int64_t nonce = 0;
  std::optional<std::string> attempt_id;  // none: every attempt there lost
};
void ReplaceOthersAtNonces(std::int64_t chain_id, const std::vector<NonceWinner>& nonces);

// Inclusions above block `fork`, which a reorg has undone.
struct ReorgedInclusion {
  std::string attempt_id, withdrawal_id, withdrawal_status, tx_hash, block_hash;
  std::int64_t block_number = 0;
};
std::vector<ReorgedInclusion> InclusionsAbove(std::int64_t chain_id, std::uint64_t fork);
// Back to 'sent', first seen again at `seen_block`.
void Uninclude(const std::string& attempt_id, std::uint64_t seen_block);

// Sent attempts get the chain's height when the tracker first sees them.
void MarkFirstSeen(std::int64_t chain_id, std::uint64_t block);
void SetFirstSeen(const std::string& attempt_id, std::uint64_t block);

// What a replacement at the nonce must outbid: the attempt with the highest fees there, and the
// chain's caps (a replacement is never priced above them).
struct FeeFloor {
  std::string attempt_id, max_fee_per_gas, max_priority_fee_per_gas, max_fee_per_gas_cap,
      max_priority_fee_cap;
};
std::optional<FeeFloor> HighestFeesAtNonce(std::int64_t chain_id, const std::string& from,
                                           std::int64_t nonce);

// Withdrawals in `cancelling` with one of their attempts in a block: normally the gap filler
// (`pays` false); a payment (`pays` true) only if its inclusion was recorded without moving the
// withdrawal, which the tracker then does.
struct CancelRace {
  std::string withdrawal_id, attempt_id, tx_hash, gas_used, effective_gas_price;
  std::uint64_t block_number = 0;
  bool pays = false;
  std::string rollup_fee = "0";
};
std::vector<CancelRace> DecidedCancelRaces(std::int64_t chain_id);

// Sent attempts not in a block for `after_blocks` blocks or `after_ms` milliseconds.
struct WaitingAttempt {
  std::string attempt_id, withdrawal_id, tx_hash, from_address;
  std::uint64_t nonce = 0;
  std::uint64_t pending_blocks = 0;
  bool overdue_by_time = false;
  std::string max_fee_per_gas;
  bool abandoned = false;  // the payment of a cancelling withdrawal: watched, never resent or bumped
};
std::vector<WaitingAttempt> WaitingAttempts(std::int64_t chain_id, std::uint64_t latest,
                                            std::int64_t after_blocks, std::int64_t after_ms);

// Our attempts' hashes (lower-case 0x-hex) at a nonce, and which of `hashes` are ours.
std::vector<std::string> HashesAtNonce(std::int64_t chain_id, const std::string& from, std::uint64_t nonce);
std::set<std::string> OursAmong(std::int64_t chain_id, const std::vector<std::string>& hashes);

// Included withdrawals not yet at their end: what AdvanceWithdrawals judges each round.
struct OpenInclusion {
  std::string withdrawal_id, status, completion, tx_hash;
  bool completed = false;
  std::uint64_t block_number = 0;
  int receipt_status = 1;
  std::optional<std::string> gas_used, effective_gas_price;
  std::optional<std::string> rollup_fee;
};
std::vector<OpenInclusion> OpenInclusions(std::int64_t chain_id);

// An attempt as a fee bump needs it: its fees and call, whether a bump is already underway or
// was stopped at the caps.
struct BumpCandidate {
  std::string withdrawal_id, from_address;
  std::int64_t nonce = 0;
  std::string nonce_key;
  std::string max_fee_per_gas, max_priority_fee_per_gas;
  std::string to_address, value;
  std::vector<std::uint8_t> data;
  bool has_signer = false;
  bool bump_underway = false;
  bool stopped_at_cap = false;
  std::int64_t bumps_at_nonce = 0;  // fee bumps requested at this nonce so far
};
std::optional<BumpCandidate> FindBumpCandidate(const std::string& attempt_id);

}  // namespace txrelay::store
