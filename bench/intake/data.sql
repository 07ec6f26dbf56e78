-- Writes the pgbench script of the "data alone" row of bench/intake.sh: one transaction with the
-- eleven row writes of the template withdrawal ('data-template', bench/intake/schema.sql) into the
-- data schema, in two statements: ten writes as one statement (data-modifying WITH), then the
-- withdrawal's status update, which must see the inserted row; sent as one pipeline, so that the
-- transaction costs one round trip, as txrelay's one call does. Every column is the template's value as a literal, except the keys: the
-- withdrawal's id and idempotency key from the run, client and sequence; other uuids random; the
-- nonce from a sequence; the sender one of the four at random, as txrelay spreads approvals over
-- them; identity and generated columns left to the table.
\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
SELECT '\set seq :seq + 1' || E'\n' || '\set a random(1, 1000)' || E'\n' || '\set s random(0, 3)' || E'\n' || '\startpipeline' || E'\n' || 'BEGIN;';
WITH template AS (SELECT withdrawal_id FROM txrelay.withdrawals WHERE idempotency_key = 'data-template'),
rows AS (
  SELECT 'withdrawals' AS t, 1 AS o, to_jsonb(w) AS j FROM txrelay.withdrawals w, template x WHERE w.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'withdrawal_events', 2 + row_number() OVER (ORDER BY e.event_id), to_jsonb(e)
    FROM txrelay.withdrawal_events e, template x WHERE e.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'ledger_entries', 5, to_jsonb(l) FROM txrelay.ledger_entries l, template x WHERE l.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'approvals', 6, to_jsonb(a) FROM txrelay.approvals a, template x WHERE a.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'nonce_reservations', 7, to_jsonb(n) FROM txrelay.nonce_reservations n, template x WHERE n.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'signature_requests', 8, to_jsonb(s) FROM txrelay.signature_requests s, template x WHERE s.withdrawal_id = x.withdrawal_id
  UNION ALL SELECT 'outbox', 9, to_jsonb(o) FROM txrelay.outbox o, template x WHERE o.withdrawal_id = x.withdrawal_id
)
SELECT 'WITH ' || string_agg(stmt, E',\n     ' ORDER BY o) || E'\n' ||
       'UPDATE data.senders SET next_nonce = next_nonce + 1, last_reserved_at = now() WHERE chain_id = 1 AND address = '
       || '(SELECT address FROM data.senders WHERE chain_id = 1 ORDER BY address OFFSET :s LIMIT 1);'
  FROM (
SELECT r.o, format('w%s AS (INSERT INTO data.%I (%s) VALUES (%s))', r.o, r.t, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
              string_agg(CASE
                WHEN a.attname = 'withdrawal_id' THEN 'md5(:run::text || ''-'' || :client_id::text || ''-'' || :seq::text)::uuid'
                WHEN a.attname = 'idempotency_key' THEN ':run::text || ''-'' || :client_id::text || ''-'' || :seq::text'
                WHEN a.attname = 'policy_decision_id' THEN '''pd-'' || :run::text || ''-'' || :client_id::text || ''-'' || :seq::text'
                WHEN a.attname = 'nonce' THEN 'nextval(''data.nonces'')'
                WHEN a.atttypid = 'uuid'::regtype THEN 'gen_random_uuid()'
                ELSE quote_nullable(r.j ->> a.attname) || '::' || format_type(a.atttypid, a.atttypmod) END, ', ' ORDER BY a.attnum))
  FROM rows r JOIN pg_attribute a ON a.attrelid = format('data.%I', r.t)::regclass
 WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = ''
 GROUP BY r.t, r.o
UNION ALL
SELECT 10, 'accounts AS (UPDATE data.ledger_accounts SET reserved = reserved + 1, entry_count = entry_count + 1, updated_at = now()'
           || ' WHERE account = ''u'' || :a::text AND chain_id = 1 AND asset = ''ETH'')') s(o, stmt);
SELECT 'UPDATE data.withdrawals SET status = ''approved'', status_changed_at = now() WHERE withdrawal_id = md5(:run::text || ''-'' || :client_id::text || ''-'' || :seq::text)::uuid;'
       || E'\n' || 'END;' || E'\n' || '\endpipeline';
