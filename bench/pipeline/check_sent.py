"""The pipeline benchmark's check of its own result against the node: every finalized withdrawal's
included attempt has a successful receipt in the block the database names, each sender's mined
transaction count on the node equals the nonces txrelay reserved for it, and no sender has two
included attempts at one nonce. (test/e2e/check_chain.py checks more, nonce by nonce, but asks
anvil for eth_getTransactionBySenderAndNonce, which is too slow for tens of thousands.)

Input on stdin, '|'-separated: 'a|tx_hash|block_number|from|nonce' per included attempt and
's|address|next_nonce' per sender. Usage: check_sent.py RPC_URL
"""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../test/e2e"))
from node_rpc import rpc_batch  # noqa: E402

url = sys.argv[1]
attempts, senders = [], {}
for line in sys.stdin:
    f = line.strip().split("|")
    if f[0] == "a":
        attempts.append((f[1], int(f[2]), f[3], int(f[4])))
    elif f[0] == "s":
        senders[f[1]] = int(f[2])
problems = []
receipts = rpc_batch(url, [("eth_getTransactionReceipt", [a[0]]) for a in attempts])
for (tx, block, _, _), r in zip(attempts, receipts):
    if r is None:
        problems.append(f"{tx}: no receipt")
    elif int(r["blockNumber"], 16) != block or int(r["status"], 16) != 1:
        problems.append(f"{tx}: receipt in block {int(r['blockNumber'], 16)} status {r['status']}, database says block {block}")
per_nonce = collections.Counter((a[2].lower(), a[3]) for a in attempts)
problems += [f"{k}: {n} included attempts" for k, n in per_nonce.items() if n > 1]
counts = rpc_batch(url, [("eth_getTransactionCount", [s, "latest"]) for s in senders])
for (s, next_nonce), c in zip(senders.items(), counts):
    if int(c, 16) != next_nonce:
        problems.append(f"sender {s}: {int(c, 16)} mined on the node, {next_nonce} nonces reserved")
if problems:
    print("\n".join(problems[:20]))
    sys.exit(1)
print(f"{len(attempts)} inclusions match the node's receipts; {len(senders)} senders' counts match")
