#!/usr/bin/env python3
"""No payment twice, judged by the chain alone (test code, issue 7): the workloads give every
withdrawal a distinct amount, so two mined transactions from the hot wallets with the same
recipient and value are one withdrawal paid twice - whatever the database says or lost. Scans
every block from START to the head.
Usage: paid_once.py NODE_URL START_BLOCK SENDER [SENDER ...]"""
import sys
from collections import Counter

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/e2e")
from node_rpc import rpc_batch  # noqa: E402


def main():
    url, start, senders = sys.argv[1], int(sys.argv[2]), {s.lower() for s in sys.argv[3:]}
    head = int(rpc_batch(url, [("eth_blockNumber", [])])[0], 16)
    blocks = rpc_batch(url, [("eth_getBlockByNumber", [hex(n), True]) for n in range(start, head + 1)])
    missing = [start + i for i, b in enumerate(blocks) if b is None]
    if missing:
        print(f"# the node does not serve blocks {missing[:10]}: they cannot be checked")
    blocks = [b for b in blocks if b is not None]
    paid = Counter()
    hashes = [t["hash"] for b in blocks for t in b["transactions"]
              if t["from"].lower() in senders and int(t["value"], 16) > 0]
    receipts = rpc_batch(url, [("eth_getTransactionReceipt", [h]) for h in hashes])
    ok = {r["transactionHash"] for r in receipts if r and r.get("status") == "0x1"}
    for b in blocks:
        for t in b["transactions"]:
            if t["hash"] in ok:
                paid[(t["to"].lower(), int(t["value"], 16))] += 1
    twice = {k: n for k, n in paid.items() if n > 1}
    for (to, value), n in sorted(twice.items()):
        print(f"paid {n} times: {value} wei to {to}")
    print(f"# {sum(paid.values())} payments in blocks {start}..{head}, {len(twice)} paid more than once")
    return 1 if twice else 0


if __name__ == "__main__":
    sys.exit(main())
