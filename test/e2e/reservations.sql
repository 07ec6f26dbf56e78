-- Every reserved nonce with what should be on chain there: the checker's input (JSON).
SELECT coalesce(json_agg(x ORDER BY x.chain_id, x.from_address, x.nonce), '[]')
  FROM (SELECT r.chain_id, r.from_address, r.nonce, w.withdrawal_id, w.status, w.to_address, w.amount::text AS amount,
               a.contract AS token,
               coalesce((SELECT json_agg('0x' || encode(t.tx_hash, 'hex')) FROM txrelay.attempts t
                          WHERE t.chain_id = r.chain_id AND t.from_address = r.from_address AND t.nonce = r.nonce), '[]') AS hashes,
               EXISTS (SELECT FROM txrelay.signature_requests s WHERE s.withdrawal_id = w.withdrawal_id AND s.kind = 'gap_filler') AS gap_filler
          FROM txrelay.nonce_reservations r
          JOIN txrelay.withdrawals w USING (withdrawal_id)
          JOIN txrelay.assets a ON a.chain_id = w.chain_id AND a.symbol = w.asset) x
