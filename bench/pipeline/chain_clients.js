// The pipeline benchmark's clients of the node (bench/pipeline.sh), in Node.js with ethers.js:
//   limit  MODE N FIRST_WALLET WALLETS   pre-signs N transfers (not timed), then sends them over one
//          keep-alive connection, one request at a time (MODE seq) or 100 per JSON-RPC batch
//          (MODE batch): the node's own ingest limit
//   ethers N FIRST_WALLET WALLETS WINDOW the peer: the usual ethers.js sender, a NonceManager per
//          wallet, WINDOW sends in flight per wallet, each populated by ethers (gas, fees)
//   observe FILE                         writes "wall_ms latest finalized" whenever a head moves
//          (polled every 10 ms), until killed
// limit and ethers print one JSON line: start, last send accepted, all mined, and the moment the
// finalized head covers the last block (wall-clock ms, the same clock as PostgreSQL's).
// Wallets are anvil's mnemonic accounts FIRST_WALLET .. FIRST_WALLET + WALLETS - 1; the
// recipients are accounts 4..9 as in the tests.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { ethers } = require(path.join(__dirname, '../../.tools/node_modules/ethers'));

const URL_ = new URL(process.env.ANVIL_URL);
const CHAIN_ID = 31337;
const MNEMONIC = 'test test test test test test test test test test test junk';
const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function wallet(i) {
  return ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
}
const recipients = [4, 5, 6, 7, 8, 9].map((i) => wallet(i).address);

// One JSON-RPC POST over the keep-alive agent: body is a request or an array (a batch).
function post(body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: URL_.hostname, port: URL_.port, method: 'POST', path: '/', agent,
                               headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
      });
    req.on('error', reject);
    req.end(data);
  });
}
let nextId = 1;
async function call(method, params) {
  const r = await post({ jsonrpc: '2.0', id: nextId++, method, params });
  if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
  return r.result;
}

// Waits until every wallet's mined nonce reaches its target, then until the finalized head covers
// the highest block of their last transactions. Returns {mined, final} wall-clock ms.
async function waitFinal(addresses, targets) {
  for (;;) {
    const counts = await Promise.all(addresses.map((a) => call('eth_getTransactionCount', [a, 'latest'])));
    if (counts.every((c, i) => Number(c) >= targets[i])) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const mined = now();
  const head = Number(await call('eth_blockNumber', []));
  for (;;) {
    const f = await call('eth_getBlockByNumber', ['finalized', false]);
    if (f && Number(f.number) >= head) return { mined, final: now() };
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function limit(mode, n, first, count) {
  const wallets = Array.from({ length: count }, (_, k) => wallet(first + k));
  const addresses = wallets.map((w) => w.address);
  const start_nonces = await Promise.all(addresses.map(async (a) => Number(await call('eth_getTransactionCount', [a, 'pending']))));
  const raws = [];
  for (let k = 0; k < n; k++) {  // interleaved over the wallets, as a multi-sender relayer sends
    const w = k % count;
    raws.push(await wallets[w].signTransaction({
      type: 2, chainId: CHAIN_ID, nonce: start_nonces[w] + Math.floor(k / count), to: recipients[k % 6],
      value: 1 + k, gasLimit: 21000, maxFeePerGas: 100n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n }));
  }
  const targets = start_nonces.map((s, w) => s + Math.floor(n / count) + (w < n % count ? 1 : 0));
  const start = now();
  if (mode === 'seq') {
    for (const raw of raws) await call('eth_sendRawTransaction', [raw]);
  } else {
    for (let k = 0; k < raws.length; k += 100) {
      const replies = await post(raws.slice(k, k + 100).map((raw) => ({ jsonrpc: '2.0', id: nextId++, method: 'eth_sendRawTransaction', params: [raw] })));
      const bad = replies.find((r) => r.error);
      if (bad) throw new Error(JSON.stringify(bad.error));
    }
  }
  const sent = now();
  const { mined, final } = await waitFinal(addresses, targets);
  console.log(JSON.stringify({ n, start, sent, mined, final }));
}

async function peer(n, first, count, window) {
  // ethers' defaults, as an application would write it; a static network skips the chain-id probe.
  const provider = new ethers.JsonRpcProvider(process.env.ANVIL_URL, CHAIN_ID, { staticNetwork: true });
  const managers = Array.from({ length: count }, (_, k) => new ethers.NonceManager(wallet(first + k).connect(provider)));
  const addresses = managers.map((m) => m.signer.address);
  const start_nonces = await Promise.all(addresses.map(async (a) => Number(await call('eth_getTransactionCount', [a, 'pending']))));
  const targets = start_nonces.map((s, w) => s + Math.floor(n / count) + (w < n % count ? 1 : 0));
  const start = now();
  let next = 0;
  const lane = async (w) => {
    for (;;) {
      const k = next++;
      if (k >= n) return;
      await managers[k % count].sendTransaction({ to: recipients[k % 6], value: 1 + k });
    }
  };
  await Promise.all(Array.from({ length: count * window }, (_, i) => lane(i)));
  const sent = now();
  const { mined, final } = await waitFinal(addresses, targets);
  provider.destroy();
  console.log(JSON.stringify({ n, start, sent, mined, final }));
}

async function observe(file) {
  const out = fs.openSync(file, 'a');
  let last = '';
  for (;;) {
    const [l, f] = await Promise.all([call('eth_blockNumber', []), call('eth_getBlockByNumber', ['finalized', false])]);
    const line = `${Number(l)} ${f ? Number(f.number) : -1}`;
    if (line !== last) {
      fs.writeSync(out, `${now().toFixed(1)} ${line}\n`);
      last = line;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

const [cmd, ...args] = process.argv.slice(2);
const run = cmd === 'limit' ? limit(args[0], +args[1], +args[2], +args[3])
  : cmd === 'ethers' ? peer(+args[0], +args[1], +args[2], +args[3])
  : cmd === 'observe' ? observe(args[0])
  : Promise.reject(new Error('usage: chain_clients.js limit|ethers|observe ...'));
run.then(() => process.exit(0), (e) => { console.error(e.stack || String(e)); process.exit(1); });
