-- Concurrency (DESIGN §3): 8 sessions request withdrawals with overlapping idempotency keys and
-- approve them against the same two senders, each key in its own committed transaction.
-- Afterwards: one withdrawal per key, per sender the nonces 0..N-1 with no gap and no
-- duplicate, no negative balance, and a consistent ledger.
\set chain 424242
\set sessions 8
\set keys 120
\set rounds 60
SELECT txrelay_test.fixture(:chain);  -- committed; the two senders start at nonce 0
SELECT txrelay.credit('conc', :chain, 'ETH', 10000000, 'conc-credit');

DO $$
DECLARE
  i int;
BEGIN
  FOR i IN 1..8 LOOP
    PERFORM dblink_connect('hammer' || i,
      format('dbname=%s host=%s port=%s user=%s', current_database(),
             split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
  END LOOP;
  FOR i IN 1..8 LOOP  -- all sessions run at once
    PERFORM dblink_send_query('hammer' || i, format('CALL txrelay_test.hammer(%s, 424242, 120, 60)', i));
  END LOOP;
  FOR i IN 1..8 LOOP  -- wait for each; a failed CALL raises here
    PERFORM * FROM dblink_get_result('hammer' || i) AS t(status text);
    PERFORM dblink_disconnect('hammer' || i);
  END LOOP;
END
$$;

BEGIN;
SELECT plan(14);
SELECT is((SELECT count(*)::int FROM txrelay_test.hammer_log WHERE step = 'request'), :sessions * :rounds,
          'every session made all its requests');
SELECT is((SELECT count(DISTINCT session)::int FROM txrelay_test.hammer_log), :sessions, 'all 8 sessions ran');
SELECT ok((SELECT count(*) FROM (SELECT key FROM txrelay_test.hammer_log WHERE step = 'request'
                                  GROUP BY key HAVING count(DISTINCT session) > 1) k) > 50,
          'many keys were requested by several sessions (overlap)');
SELECT is_empty($$SELECT * FROM txrelay_test.hammer_log WHERE step = 'request' AND sqlstate <> '00000'$$,
                'every request (first or replay) succeeded');
SELECT is_empty($$SELECT * FROM txrelay_test.hammer_log WHERE step = 'approve' AND sqlstate NOT IN ('00000', 'TR003')$$,
                'approvals either won or found the withdrawal already approved (TR003)');
SELECT is((SELECT count(*)::int FROM txrelay.withdrawals WHERE chain_id = :chain AND account = 'conc'),
          (SELECT count(DISTINCT key)::int FROM txrelay_test.hammer_log), 'exactly one withdrawal per key');
SELECT is_empty($$SELECT key FROM txrelay_test.hammer_log WHERE step = 'request'
                  GROUP BY key HAVING count(DISTINCT withdrawal_id) <> 1$$,
                'every session got the same withdrawal for the same key');
SELECT is((SELECT count(*)::int FROM txrelay_test.hammer_log WHERE step = 'approve' AND sqlstate = '00000'),
          (SELECT count(DISTINCT key)::int FROM txrelay_test.hammer_log), 'exactly one approval won per withdrawal');
SELECT is_empty($$SELECT * FROM txrelay.withdrawals WHERE chain_id = 424242 AND status <> 'approved'$$,
                'every withdrawal ended approved');
SELECT is((SELECT count(*)::int FROM txrelay.nonce_reservations WHERE chain_id = :chain),
          (SELECT count(DISTINCT key)::int FROM txrelay_test.hammer_log), 'one nonce per withdrawal');
SELECT is_empty($$SELECT from_address FROM txrelay.nonce_reservations WHERE chain_id = 424242 GROUP BY from_address
                   HAVING min(nonce) <> 0 OR max(nonce) <> count(*) - 1 OR count(DISTINCT nonce) <> count(*)$$,
                'per sender the nonces are 0..N-1: no gap, no duplicate');
SELECT is_empty($$SELECT s.address FROM txrelay.senders s WHERE s.chain_id = 424242 AND s.next_nonce <>
                   (SELECT count(*) FROM txrelay.nonce_reservations r WHERE r.chain_id = s.chain_id AND r.from_address = s.address)$$,
                'each sender counter is the next free nonce');
SELECT is_empty($$SELECT * FROM txrelay.ledger_accounts WHERE credited - reserved - spent < 0$$, 'no balance is negative');
SELECT is_empty($$SELECT * FROM txrelay.verify_ledger()$$, 'verify_ledger() returns no rows');
SELECT diag('withdrawals per sender: ' || (SELECT string_agg(from_address || '=' || n, ', ') FROM
             (SELECT from_address, count(*) n FROM txrelay.nonce_reservations WHERE chain_id = 424242 GROUP BY 1) x));
SELECT * FROM finish();
ROLLBACK;
