#!/usr/bin/env python3
"""Checks the database's nonce reservations against a real node (test code).

Reads the JSON of reservations.sql on stdin. For every reserved nonce (chain, sender, nonce):
  - a withdrawal that left txrelay (broadcasted or later) has exactly its transaction at that
    nonce on chain: one of its attempts' hashes, mined with status 1, paying its recipient its
    amount (native value, or transfer(recipient, amount) on the token) - a cancelled one with a
    gap filler has a zero-value self-transfer there, and one still cancelling either that or its
    payment (the race not decided yet);
  - no nonce carries a transaction that is not one of ours, but that of a withdrawal marked
    replaced_externally (which must carry one that is not ours); a failed one's is reverted;
  - each sender's chain nonce is not beyond what txrelay reserved (nothing sent outside).
Exactly once follows: each withdrawal owns one nonce, and each nonce holds one transaction.
The transactions are read from the node's blocks (every block, full transactions), not from a
method one node has (issue 19); a sender's nonce or a transaction hash mined twice is a
violation (ganache executes a mined transaction sent again). A nonce with nothing in a block is
looked up in the pool with eth_getTransactionBySenderAndNonce where the node has it.
With --blocks-only, only that last rule is judged (a nonce or a hash mined twice): for a database
restored to an earlier point, whose reservations no longer own what the chain remembers.
Usage: check_chain.py NODE_URL [--require-all-sent | --blocks-only]
"""
import json
import sys
from node_rpc import rpc_batch

SENT = {"broadcasted", "included", "safe", "finalized", "reorged", "failed"}
SELECTOR = "a9059cbb"


def mined_transactions(url):
    """Every transaction in the node's blocks, by (sender, nonce), and how often each hash was mined."""
    latest = int(rpc_batch(url, [("eth_blockNumber", [])])[0], 16)
    blocks = rpc_batch(url, [("eth_getBlockByNumber", [hex(n), True]) for n in range(latest + 1)])
    by_key, mined = {}, {}
    for block in blocks:
        for tx in (block or {}).get("transactions", []):
            by_key.setdefault((tx["from"].lower(), int(tx["nonce"], 16)), []).append(tx)
            mined[tx["hash"].lower()] = mined.get(tx["hash"].lower(), 0) + 1
    return by_key, mined


def transactions_at(url, rows, problems):
    """The transaction at each reserved nonce: the mined one, else the pool's (where the node says)."""
    by_key, mined = mined_transactions(url)
    for h, n in mined.items():
        if n > 1:
            problems.append(f"transaction {h} was mined {n} times")
    for (sender, nonce), at in by_key.items():
        if len(at) > 1:  # (a chain never does this: a node that re-executes would)
            problems.append(f"{sender}:{nonce}: {len(at)} transactions mined at this nonce")
    out = []
    for r in rows:
        at = by_key.get((r["from_address"].lower(), r["nonce"]), [])
        out.append(at[0] if at else None)
    missing = [i for i, tx in enumerate(out) if tx is None]
    pooled = rpc_batch(url, [("eth_getTransactionBySenderAndNonce", [rows[i]["from_address"], hex(rows[i]["nonce"])])
                             for i in missing]) if missing else []
    for i, tx in zip(missing, pooled):
        out[i] = tx
    return out


def main():
    url = sys.argv[1]
    require_all_sent = "--require-all-sent" in sys.argv
    rows = json.load(sys.stdin)
    problems = []
    txs = transactions_at(url, rows, problems)
    if "--blocks-only" in sys.argv:
        print("blocks only: no reservation judged, every mined nonce and hash checked for a second mining")
        rows, txs = [], []
    receipts = rpc_batch(url, [("eth_getTransactionReceipt", [t["hash"]]) if t else ("eth_chainId", []) for t in txs]) if txs else []
    for r, tx, receipt in zip(rows, txs, receipts):
        key = f'{r["chain_id"]}:{r["from_address"]}:{r["nonce"]} (withdrawal {r["withdrawal_id"]}, {r["status"]})'
        hashes = [h.lower() for h in r["hashes"]]
        if tx is None:
            if r["status"] in SENT or (require_all_sent and r["status"] != "rejected"):
                problems.append(f"{key}: nothing on chain at this nonce")
            continue
        if r["status"] == "replaced_externally":
            if tx["hash"].lower() in hashes:
                problems.append(f"{key}: marked replaced externally, but our {tx['hash']} is at this nonce")
            continue
        if tx["hash"].lower() not in hashes:
            problems.append(f"{key}: the transaction at this nonce ({tx['hash']}) is not one of ours {hashes}")
            continue
        want_status = "0x0" if r["status"] == "failed" else "0x1"
        if not receipt or receipt.get("status") != want_status:
            problems.append(f"{key}: {tx['hash']} is not mined with status {want_status}: {receipt}")
        to, value, data = (tx.get("to") or "").lower(), int(tx["value"], 16), tx.get("input", "0x")[2:]
        is_filler = to == r["from_address"].lower() and value == 0 and data == ""
        if r["status"] == "cancelled" and r["gap_filler"]:
            if not is_filler:
                problems.append(f"{key}: expected a zero-value self-transfer (gap filler), got to={to} value={value}")
        elif r["status"] == "cancelling" and is_filler:
            pass  # the race's gap filler in a block, not final yet
        elif r["token"] is None:
            if to != r["to_address"].lower() or value != int(r["amount"]):
                problems.append(f"{key}: pays {value} to {to}, expected {r['amount']} to {r['to_address']}")
        else:
            want = SELECTOR + r["to_address"][2:].lower().rjust(64, "0") + format(int(r["amount"]), "064x")
            if to != r["token"].lower() or value != 0 or data.lower() != want:
                problems.append(f"{key}: ERC-20 call differs: to={to} value={value} data={data}")
    senders = sorted({(r["chain_id"], r["from_address"]) for r in rows})
    counts = rpc_batch(url, [("eth_getTransactionCount", [s[1], "latest"]) for s in senders]) if senders else []
    for (chain, sender), count in zip(senders, counts):
        top = max(r["nonce"] for r in rows if (r["chain_id"], r["from_address"]) == (chain, sender))
        if int(count, 16) > top + 1:
            problems.append(f"{chain}:{sender}: the chain is at nonce {int(count, 16)}, beyond the {top + 1} reserved")
    for p in problems:
        print("VIOLATION " + p)
    print(f"checked {len(rows)} nonces of {len(senders)} senders against the node: {len(problems)} violation(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
