"""The pipeline benchmark's Markdown section from the raw figures bench/pipeline.sh collected.

Usage: report.py WORKDIR N
WORKDIR holds seq.json, batch.json, txrelay.json, txbatch.json, ethers.json (one JSON object per round: n, and
wall-clock ms of start, last send, all included, last finalized), burst.lat and paced.lat (per
withdrawal: commit -> send ms, block, included and finalized commit ms) and heads (the observer's
"ms latest finalized" lines).
"""
import bisect
import json
import os
import statistics
import sys

work, n = sys.argv[1], int(sys.argv[2])


def rounds(name):
    with open(os.path.join(work, name + ".json")) as f:
        return [json.loads(line) for line in f if line.strip()]


def rate(r, until):
    return r["n"] / ((r[until] - r["start"]) / 1000.0)


def mmm(values, digits=0):
    v = sorted(values)
    return " | ".join(f"{x:,.{digits}f}" for x in (v[0], statistics.median(v), v[-1]))


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


systems = [("seq", "node limit: pre-signed, one request at a time on one keep-alive connection"),
           ("batch", "node limit: pre-signed, batches of 100 on one keep-alive connection"),
           ("txrelay", "txrelay: request_withdrawal + approve (2 sessions) → broadcaster → tracker"),
           ("txbatch", "txrelay: request_withdrawals + approve_withdrawals, batches of 100 (2 sessions) → broadcaster → tracker"),
           ("ethers", "peer: ethers.js 6 NonceManager, 4 wallets × 16 sends in flight")]
data = {k: rounds(k) for k, _ in systems}
print(f"| sender | rounds | sent per second, min | median | max | finalized per second, min | median | max |")
print("|---|---|---|---|---|---|---|---|")
for k, what in systems:
    rs = data[k]
    print(f"| {what} | {len(rs)} | {mmm([rate(r, 'sent') for r in rs])} | {mmm([rate(r, 'final') for r in rs])} |")
pairs = [("txrelay", "seq", "txrelay / node limit (one at a time)"),
         ("txrelay", "batch", "txrelay / node limit (batches)"),
         ("txrelay", "ethers", "txrelay / ethers.js peer"),
         ("txbatch", "seq", "txrelay batches / node limit (one at a time)"),
         ("txbatch", "ethers", "txrelay batches / ethers.js peer")]
medians = {}
for a, b, what in pairs:
    sent = [rate(x, "sent") / rate(y, "sent") for x, y in zip(data[a], data[b])]
    final = [rate(x, "final") / rate(y, "final") for x, y in zip(data[a], data[b])]
    medians[(a, b)] = (statistics.median(sent), statistics.median(final))
    print(f"| ratio {what}, per round | | {mmm(sent, 2)} | {mmm(final, 2)} |")
print()
s, f = medians[("txrelay", "seq")]
s_e, f_e = medians[("txrelay", "ethers")]
verdict = lambda v, g: f"**met** ({v:.2f} ≥ {g})" if v >= g else f"**missed** ({v:.2f} < {g}: {100 * (g - v) / g:.0f} % short)"
print(f"Goal, at least 80 % of the node's sequential ingest limit: sent per second {verdict(s, 0.8)}; "
      f"from request to finalized, against the same limit's transfers to finalized, {verdict(f, 0.8)}. "
      f"Goal, ahead of the ethers.js peer: sent per second {verdict(s_e, 1.0)}, to finalized {verdict(f_e, 1.0)} "
      f"(medians of the per-round ratios; {n} transfers per system and round).")
print()
s_b, f_b = medians[("txbatch", "seq")]
print(f"Issue 23's goals against the same limit: sent per second at least 0.5 ×, with single calls "
      f"{verdict(s, 0.5)}, with batches of 100 {verdict(s_b, 0.5)}; to finalized at least 0.6 ×, with "
      f"single calls {verdict(f, 0.6)}, with batches of 100 {verdict(f_b, 0.6)}.")
print()

# Latencies.
heads = []
with open(os.path.join(work, "heads")) as fh:
    for line in fh:
        t, latest, final = line.split()
        heads.append((float(t), int(latest), int(final)))


def first_time(col, block):
    """Wall-clock ms at which the observer first saw head column `col` at or above `block`."""
    for h in heads:
        if h[col] >= block:
            return h[0]
    return None


def lat(name):
    rows = []
    with open(os.path.join(work, name + ".lat")) as fh:
        for line in fh:
            send, block, inc, fin = line.split()
            rows.append((float(send), int(block), float(inc), float(fin)))
    return rows


print("| latency | withdrawals | median ms | p95 ms | max ms |")
print("|---|---|---|---|---|")
for name, what in (("paced", "approval commit → eth_sendRawTransaction, paced (one every 20 ms)"),
                   ("burst", f"approval commit → eth_sendRawTransaction, under the bursts of {n}")):
    rows = lat(name)
    v = [r[0] for r in rows]
    print(f"| {what} | {len(v)} | {statistics.median(v):,.1f} | {pct(v, 95):,.1f} | {max(v):,.1f} |")
for name in ("paced", "burst"):
    rows = lat(name)
    inc, fin = [], []
    for send, block, inc_ms, fin_ms in rows:
        ti, tf = first_time(1, block), first_time(2, block)
        if ti is not None:
            inc.append(inc_ms - ti)
        if tf is not None:
            fin.append(fin_ms - tf)
    label = "paced" if name == "paced" else "bursts"
    print(f"| block in the node's latest head → included recorded ({label}) | {len(inc)} | {statistics.median(inc):,.1f} | {pct(inc, 95):,.1f} | {max(inc):,.1f} |")
    print(f"| block under the node's finalized head → finalized recorded ({label}) | {len(fin)} | {statistics.median(fin):,.1f} | {pct(fin, 95):,.1f} | {max(fin):,.1f} |")
