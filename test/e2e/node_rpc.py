"""JSON-RPC batches against the node, for the checkers that judge txrelay by the chain
(check_chain.py, check_settlement.py)."""
import json
import urllib.request


def rpc_batch(url, calls):
    """The results of [(method, params), ...], in order, sent in batches of 200."""
    out = []
    for i in range(0, len(calls), 200):
        chunk = [{"jsonrpc": "2.0", "id": j, "method": m, "params": p} for j, (m, p) in enumerate(calls[i:i + 200])]
        req = urllib.request.Request(url, json.dumps(chunk).encode(), {"Content-Type": "application/json"})
        replies = json.load(urllib.request.urlopen(req, timeout=30))
        by_id = {r["id"]: r for r in replies}
        out.extend(by_id[j].get("result") for j in range(len(chunk)))
    return out
