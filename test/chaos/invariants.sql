-- The database side of the invariants of issue 7, after quiescence: one row per violation
-- (none = all hold). The chain side is test/e2e/check_chain.py and check_settlement.py;
-- test/chaos/check_invariants.sh runs them all.
WITH w AS (SELECT * FROM txrelay.withdrawals)
SELECT 'a withdrawal that left txrelay has not exactly one nonce', w.withdrawal_id::text
  FROM w WHERE w.status NOT IN ('requested', 'rejected')
   AND (SELECT count(*) FROM txrelay.nonce_reservations n WHERE n.withdrawal_id = w.withdrawal_id) <> 1
UNION ALL
SELECT 'a nonce carries two withdrawals', n.chain_id || ':' || n.from_address || ':' || n.nonce
  FROM txrelay.nonce_reservations n GROUP BY n.chain_id, n.from_address, n.nonce HAVING count(*) > 1
UNION ALL
SELECT 'a withdrawal has more than one included transaction', a.withdrawal_id::text
  FROM txrelay.attempts a WHERE a.status = 'included' GROUP BY a.withdrawal_id HAVING count(*) > 1
UNION ALL
SELECT 'verify_ledger(true): ' || v.problem, v.details::text FROM txrelay.verify_ledger(true) v
UNION ALL
SELECT 'a RESERVE is still open after quiescence', e.withdrawal_id::text
  FROM txrelay.ledger_entries e
 WHERE e.kind = 'RESERVE'
   AND NOT EXISTS (SELECT FROM txrelay.ledger_entries x WHERE x.withdrawal_id = e.withdrawal_id AND x.kind IN ('COMMIT', 'RELEASE'))
UNION ALL
SELECT 'a withdrawal is not final after quiescence', w.withdrawal_id || ' ' || w.status
  FROM w WHERE w.status NOT IN ('finalized', 'rejected', 'cancelled', 'failed', 'replaced_externally')
UNION ALL
SELECT 'the domain counts disagree', d
  FROM jsonb_array_elements_text(txrelay._domain_counts(NULL) -> 'disagreements') d
UNION ALL
SELECT 'an outbox row is not done after quiescence', o.outbox_id || ' ' || o.kind || ' ' || o.status || ' ' || coalesce(o.last_error, '')
  FROM txrelay.outbox o WHERE o.status NOT IN ('done', 'cancelled');
