// _submit_signed_round (issue 23): a broadcaster round's signed transactions recorded as
// submit_signed records each one, with submit_signed's checks (api/signing_rules), but one
// statement per table for the round: the attempts, the requests signed, the withdrawals' moves,
// the notes and the send jobs. All or nothing: any refusal is the round's error, and the
// broadcaster then records the round one by one through submit_signed, which says which was
// refused and handles a replay. Internal: the broadcaster calls it, no application role may.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/signing_rules.hpp"
#include "api/withdrawal_row.hpp"
#include "core/amount.hpp"
#include "core/error.hpp"
#include "core/eth/transaction.hpp"
#include "core/hex.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "store/attempts.hpp"
#include "store/outbox.hpp"
#include "store/signature_requests.hpp"
#include "store/withdrawals.hpp"

using namespace txrelay;

namespace {

struct Element {
  std::string request_id;
  eth::SignedTx tx;
};

Error NoSuchRequest(const std::string& id) {
  return InvalidArgument("signature_request_id", "does not name a signature request",
                         "No signature request " + id + ".");
}

// The round's requests and their decoded transactions (TR005 for bytes that are not one); a
// request named twice is refused, as two transactions for one request are.
std::vector<Element> Elements(const pg::Args& args) {
  const auto ids = pg::TextArrayItems(args.Raw(0));
  const auto raws = pg::TextArrayItems(args.Raw(1));
  if (ids.size() != raws.size()) throw std::logic_error("_submit_signed_round: the arrays differ in length");
  std::vector<Element> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string id = pg::CanonicalUuid(ids[i]);
    if (!seen.insert(id).second) {
      throw InvalidArgument("signature_request_ids", "names a request twice",
                            "Signature request " + id + " is in the round twice.");
    }
    const auto raw = FromHex(raws[i]);
    if (!raw || raw->size() > eth::kMaxRawTxBytes) {
      throw InvalidArgument("raw_txs", "is not hex of at most 128 KiB", "Signature request " + id + ".");
    }
    out.push_back({id, eth::DecodeSignedTx(*raw)});
  }
  return out;
}

// What the round records against: its withdrawals, then its requests, locked in that order (as
// submit_signed locks them), each set in id order. One withdrawal per round: its status is
// checked against the row as it was before the round moved any.
struct Locked {
  std::map<std::string, store::SeenRow> withdrawals;
  std::map<std::string, store::LockedRequest> requests;

  const store::WithdrawalRow& WithdrawalOf(const store::LockedRequest& r) const {
    return withdrawals.at(r.withdrawal_id).row;
  }
};

Locked Lock(const std::vector<Element>& elements) {
  std::vector<std::string> request_ids, withdrawal_ids;
  for (const Element& e : elements) request_ids.push_back(e.request_id);
  const auto owners = store::WithdrawalsOfRequests(request_ids);
  std::set<std::string> distinct;
  for (const Element& e : elements) {
    const auto owner = owners.find(e.request_id);
    if (owner == owners.end()) throw NoSuchRequest(e.request_id);
    if (!distinct.insert(owner->second).second) {
      throw Error(
          sqlstate::kInvalidParameter,
          "the round holds two signature requests of withdrawal " + owner->second,
          "Signature request " + e.request_id + " is the second; a round records one per withdrawal.");
    }
    withdrawal_ids.push_back(owner->second);
  }
  Locked l;
  for (auto& seen : store::LockWithdrawals(withdrawal_ids))
    l.withdrawals.emplace(seen.row.id, std::move(seen));
  for (const std::string& id : withdrawal_ids) {
    const auto w = l.withdrawals.find(id);
    if (w == l.withdrawals.end() || !w->second.sees) api::RefuseUnknownWithdrawal(id, "signature_request_id");
  }
  l.requests = store::LockSignatureRequests(request_ids);
  for (const Element& e : elements) {
    if (l.requests.count(e.request_id) == 0) throw NoSuchRequest(e.request_id);
  }
  return l;
}

// submit_signed's checks; a request already signed is left to submit_signed, which tells a
// replay of the same bytes from a second transaction (TR007).
void Check(const Element& e, const Locked& l) {
  const store::LockedRequest& req = l.requests.at(e.request_id);
  if (req.status == "signed") {
    throw Error(sqlstate::kAlreadyUsed, "signature request " + e.request_id + " is already signed",
                "A round records unsigned requests only; submit_signed answers a replay.");
  }
  api::CheckSignable(e.request_id, req, l.WithdrawalOf(req));
  eth::CheckSignedTx(e.tx, api::Expected(req));
}

store::NewAttempt AttemptOf(const Element& e) {
  const eth::SignedTx& tx = e.tx;
  return {e.request_id,
          std::vector<std::uint8_t>(tx.hash.begin(), tx.hash.end()),
          tx.raw,
          static_cast<int>(tx.tx.type),
          static_cast<std::int64_t>(tx.tx.gas_limit),
          ToDecimal(tx.tx.FeeCap()),
          ToDecimal(tx.tx.TipCap())};
}

// The withdrawals' side of the recorded attempts: the moves to signed, the notes, the send jobs.
struct Marks {
  std::vector<std::string> moved, move_reasons, sends;
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> notes;  // by event

  void Add(const api::SignedMark& mark, const std::string& withdrawal_id, const std::string& attempt_id) {
    if (mark.moves_to_signed) {
      moved.push_back(withdrawal_id);
      move_reasons.push_back(mark.reason);
    } else {
      notes[mark.note_event].first.push_back(withdrawal_id);
      notes[mark.note_event].second.push_back(mark.reason);
    }
    if (mark.sends) sends.push_back(attempt_id);
  }

  void Write() const {
    if (!moved.empty()) store::SetStatuses(moved, "signed", move_reasons);
    for (const auto& [event, rows] : notes) {
      store::AddNotes(rows.first, event, rows.second, std::vector<std::string>(rows.first.size(), "{}"));
    }
    if (!sends.empty()) store::EnqueueBroadcasts(sends);
  }
};

// The round's attempts, in its order.
std::vector<std::string> Record(const std::vector<Element>& elements, const Locked& l) {
  std::vector<store::NewAttempt> attempts;
  std::vector<std::string> request_ids;
  for (const Element& e : elements) {
    attempts.push_back(AttemptOf(e));
    request_ids.push_back(e.request_id);
  }
  const auto recorded = store::InsertAttempts(attempts);
  store::MarkSignedMany(request_ids);
  Marks marks;
  std::vector<std::string> attempt_ids;
  for (const Element& e : elements) {
    const store::LockedRequest& req = l.requests.at(e.request_id);
    const std::string& attempt_id = recorded.at(e.request_id);
    marks.Add(
        api::MarkOfSigned(req, l.WithdrawalOf(req), attempt_id, ToHex(e.tx.hash.data(), e.tx.hash.size())),
        req.withdrawal_id, attempt_id);
    attempt_ids.push_back(attempt_id);
  }
  marks.Write();
  return attempt_ids;
}

}  // namespace

// _submit_signed_round(signature_request_ids text[], raw_txs text[] of hex) -> text[] of attempt ids
TXRELAY_SQL_FUNCTION(txrelay_submit_signed_round) {
  const pg::Args args(fcinfo);
  const std::vector<Element> elements = Elements(args);
  std::vector<std::string> attempt_ids;
  {
    pg::SpiConnection spi;
    const Locked l = Lock(elements);
    for (const Element& e : elements) Check(e, l);
    attempt_ids = Record(elements, l);
  }
  return pg::MakeTextArray(attempt_ids);
}
