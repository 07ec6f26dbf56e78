-- What client-signed senders must sign: their pending signature requests, oldest first; an
-- application login sees those of its own withdrawals (08_row_ownership.sql).
CREATE OR REPLACE FUNCTION txrelay.pending_signature_requests(chain_id bigint DEFAULT NULL)
  RETURNS TABLE (signature_request_id uuid, withdrawal_id uuid, kind text, chain_id bigint, from_address text,
                 nonce bigint, to_address text, value numeric, data bytea, created_at timestamptz,
                 min_max_fee_per_gas numeric, min_max_priority_fee_per_gas numeric)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $pending$
  SELECT s.signature_request_id, s.withdrawal_id, s.kind, s.chain_id, s.from_address, s.nonce, s.to_address,
         s.value, s.data, s.created_at, s.min_max_fee_per_gas, s.min_max_priority_fee_per_gas
    FROM txrelay.signature_requests s
    JOIN txrelay.senders d ON d.chain_id = s.chain_id AND d.address = s.from_address
    JOIN txrelay.withdrawals w ON w.withdrawal_id = s.withdrawal_id
   WHERE s.status = 'pending' AND d.signer IS NULL
     AND (pending_signature_requests.chain_id IS NULL OR s.chain_id = pending_signature_requests.chain_id)
     AND txrelay._sees_withdrawal(w.requested_by)
   ORDER BY s.created_at, s.nonce
$pending$;
