-- Writes shared by the SQL API (src/api) and the workers (bgworker), which meet only through the
-- database (DESIGN §10): a note in a withdrawal's history without a status change, and a signing
-- job in the outbox (whose trigger wakes the broadcaster at commit).
-- (plpgsql, not sql: a SQL function called through SPI is planned again at every call, a
-- plpgsql one keeps its plan for the session - 7 % of an intake call, bench/intake.sh.)
CREATE OR REPLACE FUNCTION txrelay._add_note(withdrawal_id uuid, event text, reason text, detail jsonb)
  RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $note$
BEGIN
  INSERT INTO txrelay.withdrawal_events (withdrawal_id, event, from_status, to_status, reason, detail)
  SELECT w.withdrawal_id, _add_note.event, w.status, w.status, _add_note.reason, _add_note.detail
    FROM txrelay.withdrawals w WHERE w.withdrawal_id = _add_note.withdrawal_id;
END
$note$;

CREATE OR REPLACE FUNCTION txrelay._enqueue_sign(chain_id bigint, withdrawal_id uuid, signature_request_id uuid)
  RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $enqueue$
BEGIN
  INSERT INTO txrelay.outbox (kind, chain_id, withdrawal_id, signature_request_id)
  VALUES ('sign', _enqueue_sign.chain_id, _enqueue_sign.withdrawal_id, _enqueue_sign.signature_request_id);
END
$enqueue$;

-- The chains the tracker has work on: a withdrawal between signed and finalized, an attempt not
-- yet in a block, or an inclusion above the chain's finalized head. Each test is an index probe
-- per chain (the highest inclusion by max(), which reads one index entry): a round costs the same
-- with 10^6 finished withdrawals as with none (bench/cost_growth.sh). The union it replaces
-- scanned every attempt ever included, 0.56 s a round at 10^6.
CREATE OR REPLACE FUNCTION txrelay._chains_to_track() RETURNS SETOF bigint
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $track$
BEGIN
  RETURN QUERY
  SELECT c.chain_id FROM txrelay.chains c
   WHERE EXISTS (SELECT FROM txrelay.withdrawals w
                  WHERE w.chain_id = c.chain_id AND w.status = ANY (txrelay._status_set('tracked')))
      OR EXISTS (SELECT FROM txrelay.attempts a WHERE a.chain_id = c.chain_id AND a.status IN ('created', 'sent'))
      OR (SELECT max(a.block_number) FROM txrelay.attempts a WHERE a.chain_id = c.chain_id AND a.status = 'included')
         > (SELECT h.finalized_number FROM txrelay.chain_heads h WHERE h.chain_id = c.chain_id)
   ORDER BY c.chain_id;
END
$track$;

-- The attempt that speaks for a withdrawal: its inclusion, else its newest (one index probe).
CREATE OR REPLACE FUNCTION txrelay._last_attempt(withdrawal_id uuid) RETURNS TABLE (attempt_id uuid, tx_hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $last$
  SELECT a.attempt_id, '0x' || encode(a.tx_hash, 'hex') FROM txrelay.attempts a
   WHERE a.withdrawal_id = _last_attempt.withdrawal_id ORDER BY (a.status = 'included') DESC, a.created_at DESC LIMIT 1
$last$;
