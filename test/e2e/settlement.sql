-- Every withdrawal with its ledger resolution and its included attempt: check_settlement.py's
-- input (JSON).
SELECT coalesce(json_agg(x ORDER BY x.withdrawal_id), '[]')
  FROM (SELECT w.withdrawal_id, w.status, w.completed_at IS NOT NULL AS completed, w.to_address, w.amount::text AS amount,
               w.account, w.asset, a.contract AS token,
               (SELECT json_agg(json_build_object('kind', e.kind, 'amount', e.amount::text, 'fee', e.fee::text))
                  FROM txrelay.ledger_entries e WHERE e.withdrawal_id = w.withdrawal_id AND e.kind IN ('COMMIT', 'RELEASE')) AS resolutions,
               (SELECT json_agg(json_build_object('tx_hash', '0x' || encode(t.tx_hash, 'hex'), 'block_number', t.block_number,
                                                  'block_hash', '0x' || encode(t.block_hash, 'hex'), 'receipt_status', t.receipt_status,
                                                  'gas_used', t.gas_used::text, 'effective_gas_price', t.effective_gas_price::text))
                  FROM txrelay.attempts t WHERE t.withdrawal_id = w.withdrawal_id AND t.status = 'included') AS included,
               (SELECT e.detail FROM txrelay.withdrawal_events e WHERE e.withdrawal_id = w.withdrawal_id
                   AND e.event = 'fee_changed_after_completion' ORDER BY e.event_id DESC LIMIT 1) AS fee_changed
          FROM txrelay.withdrawals w
          JOIN txrelay.assets a ON a.chain_id = w.chain_id AND a.symbol = w.asset) x
