// How an application pays out through txrelay (Node.js, node-postgres): request a withdrawal
// under an idempotency key (repeating it after a lost connection is safe), approve it, and follow
// it to completion through LISTEN/NOTIFY plus the event feed, which misses nothing while
// disconnected.
//
// Usage: node withdraw.cjs ACCOUNT CHAIN_ID ASSET TO AMOUNT IDEMPOTENCY_KEY
// The connection comes from the usual PG* environment variables. Exit status 0 when the
// withdrawal completed, 1 when it failed or was replaced, 2 on a refused request (e.g. TR002).
// test/e2e/examples.sh runs it against a real node.
'use strict';
const crypto = require('crypto');
const { Client } = require('pg');

async function main() {
  const [account, chainId, asset, to, amount, key] = process.argv.slice(2, 8);
  const db = new Client();  // PGHOST, PGPORT, PGUSER, PGDATABASE
  await db.connect();
  let row;
  try {
    // Amounts are decimal strings: wei do not fit in a JavaScript number.
    ({ rows: [row] } = await db.query(
      'SELECT withdrawal_id, status FROM txrelay.request_withdrawal($1, $2, $3, $4, $5, $6)',
      [key, account, chainId, asset, to, amount]));
  } catch (e) {  // TR001 key reused for another request, TR002 balance too low, 22023 bad input
    console.log(`refused: ${e.code} ${e.message}`);
    await db.end();
    return 2;
  }
  const wid = row.withdrawal_id;
  console.log(`requested ${wid} (${row.status})`);
  if (row.status === 'requested') {
    // In production the approver is a separate service with its own role (txrelay_approver).
    const { rows: [a] } = await db.query('SELECT status FROM txrelay.approve($1, $2, $3, $4)',
      [wid, crypto.randomUUID(), `policy-${key}`, 'example-approver']);
    console.log(`approved: ${a.status}`);
  }

  let wake = null;
  db.on('notification', () => { if (wake) wake(); });
  await db.query('LISTEN txrelay_events');
  let position = null;  // an application stores the last position it handled
  for (;;) {
    const { rows } = await db.query(
      'SELECT feed_position, withdrawal_id, event, to_status FROM txrelay.events_since($1, 1000)', [position]);
    for (const e of rows) {
      position = e.feed_position;
      if (e.withdrawal_id !== wid) continue;
      console.log(`event ${e.event} -> ${e.to_status}`);
      if (e.event === 'completed') { console.log(`completed: ${e.to_status}`); await db.end(); return 0; }
      if (e.event === 'status' && ['failed', 'replaced_externally', 'rejected', 'cancelled'].includes(e.to_status)) {
        console.log(`ended: ${e.to_status}`); await db.end(); return 1;
      }
    }
    if (rows.length === 1000) continue;  // more to read now
    await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 5000); });  // a notification, or 5 s
    wake = null;
  }
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(3); });
