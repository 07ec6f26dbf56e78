#!/usr/bin/env python3
"""Checks the tracker's settlement against a real node (test code).

Reads the JSON of settlement.sql on stdin. For every withdrawal:
  - a completed one has exactly one inclusion, whose receipt on the node has status 1, the same
    block hash, gas used and effective gas price as recorded, and exactly one COMMIT of its
    amount with fee = gasUsed x effectiveGasPrice from that receipt (or, if it was completed,
    reorged and included again at another fee, an event recording both fees);
  - a failed one has an inclusion whose receipt has status 0 and one RELEASE of its amount with
    the receipt's fee (the gas was spent);
  - replaced_externally, rejected and cancelled ones have one RELEASE with no fee, but a cancel
    decided by our gap filler in a block, whose RELEASE carries the gap filler's receipt fee;
  - any other has no COMMIT or RELEASE yet;
and for every recipient and asset, the balance change on the node since block START equals the
sum of the amounts of its completed withdrawals.
Usage: check_settlement.py NODE_URL START_BLOCK
"""
import json
import sys
from node_rpc import rpc_batch
from collections import defaultdict


def balance_calls(owner, token, block):
    if token is None:
        return ("eth_getBalance", [owner, block])
    data = "0x70a08231" + owner[2:].lower().rjust(64, "0")  # balanceOf(owner)
    return ("eth_call", [{"to": token, "data": data}, block])


def main():
    url, start = sys.argv[1], int(sys.argv[2])
    rows = json.load(sys.stdin)
    problems = []
    hashes = [r["included"][0]["tx_hash"] for r in rows if r["included"]]
    receipts = dict(zip(hashes, rpc_batch(url, [("eth_getTransactionReceipt", [h]) for h in hashes])))
    for r in rows:
        key = f'withdrawal {r["withdrawal_id"]} ({r["status"]})'
        res = r["resolutions"] or []
        inc = r["included"] or []
        if len(inc) > 1:
            problems.append(f"{key}: {len(inc)} included attempts")
        receipt = receipts.get(inc[0]["tx_hash"]) if inc else None
        fee = None
        if inc:
            if receipt is None:
                problems.append(f"{key}: {inc[0]['tx_hash']} is recorded included but the node has no receipt")
            else:
                fee = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
                if receipt["blockHash"].lower() != inc[0]["block_hash"].lower():
                    problems.append(f"{key}: recorded in block {inc[0]['block_hash']}, the node says {receipt['blockHash']}")
                if (int(receipt["gasUsed"], 16), int(receipt["effectiveGasPrice"], 16)) != \
                        (int(inc[0]["gas_used"]), int(inc[0]["effective_gas_price"])):
                    problems.append(f"{key}: recorded gas/price differ from the receipt")
                if int(receipt["status"], 16) != inc[0]["receipt_status"]:
                    problems.append(f"{key}: recorded receipt status differs from the node's")
        kinds = [e["kind"] for e in res]
        if r["completed"]:
            if kinds != ["COMMIT"]:
                problems.append(f"{key}: completed with resolutions {kinds}, expected one COMMIT")
            elif receipt is None or receipt["status"] != "0x1":
                problems.append(f"{key}: completed without a successful receipt")
            elif int(res[0]["amount"]) != int(r["amount"]):
                problems.append(f"{key}: COMMIT {res[0]} differs from amount {r['amount']}")
            elif int(res[0]["fee"]) != fee:
                # Completed, then reorged and included again at another fee: the COMMIT keeps the
                # fee of its time, and an event records the fee finally paid.
                changed = r["fee_changed"]
                if not changed or int(changed["fee_committed"]) != int(res[0]["fee"]) or int(changed["fee_final"]) != fee:
                    problems.append(f"{key}: COMMIT fee {res[0]['fee']} differs from the receipt's {fee} "
                                    f"and no fee_changed_after_completion event says so ({changed})")
        elif r["status"] == "failed":
            if kinds != ["RELEASE"]:
                problems.append(f"{key}: failed with resolutions {kinds}, expected one RELEASE")
            elif receipt is None or receipt["status"] != "0x0":
                problems.append(f"{key}: failed without a reverted receipt")
            elif int(res[0]["amount"]) != int(r["amount"]) or int(res[0]["fee"]) != fee:
                problems.append(f"{key}: RELEASE {res[0]} differs from amount {r['amount']} / receipt fee {fee}")
        elif r["status"] in ("replaced_externally", "rejected", "cancelled"):
            # A cancel decided by our gap filler in a block: its gas is the fee (decision 66).
            want_fee = fee if r["status"] == "cancelled" and inc else 0
            if kinds != ["RELEASE"] or int(res[0]["fee"]) != want_fee or int(res[0]["amount"]) != int(r["amount"]):
                problems.append(f"{key}: resolutions {res}, expected one RELEASE of the amount with fee {want_fee}")
        elif kinds:
            problems.append(f"{key}: not completed but resolved {kinds}")
    # Chain balance change per recipient equals what txrelay says it completed.
    expected = defaultdict(int)
    for r in rows:
        expected[(r["to_address"].lower(), r["token"])] += int(r["amount"]) if r["completed"] else 0
    keys = sorted(expected, key=lambda k: (k[0], k[1] or ""))
    before = rpc_batch(url, [balance_calls(o, t, hex(start)) for o, t in keys])
    after = rpc_batch(url, [balance_calls(o, t, "latest") for o, t in keys])
    for (owner, token), b, a in zip(keys, before, after):
        change = int(a, 16) - int(b, 16)
        if change != expected[(owner, token)]:
            problems.append(f"recipient {owner} ({token or 'native'}): the chain says +{change}, "
                            f"its completed withdrawals sum to {expected[(owner, token)]}")
    for p in problems:
        print("VIOLATION " + p)
    print(f"checked {len(rows)} withdrawals and {len(keys)} recipient balances against the node: "
          f"{len(problems)} violation(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
