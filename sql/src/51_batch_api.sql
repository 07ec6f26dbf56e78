-- Batch payouts (issue 23): many requests or approvals in one call and one transaction. Each
-- element is the single call's arguments by name and goes through that very call, so every rule,
-- replay and SQLSTATE is the single call's; all or nothing: the first failing element refuses the
-- whole batch, its error says which element (0-based) and keeps the element's SQLSTATE, detail
-- and hint. One subtransaction for the whole batch (to add the index to the error), not one per
-- element. Nonces are reserved in element order, gap-free.

-- The element's arguments, checked: an object, no unknown key, every required key present.
CREATE OR REPLACE FUNCTION txrelay._batch_element(fn text, e jsonb, allowed text[], required text[])
  RETURNS jsonb LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  unknown text;
  missing text;
BEGIN
  IF jsonb_typeof(e) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION '% element is not a JSON object', fn USING ERRCODE = '22023',
      HINT = format('Each element is an object of %s''s arguments by name: %s.', fn, array_to_string(allowed, ', '));
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys(e) k WHERE k <> ALL (allowed);
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION '% element has unknown key(s): %', fn, unknown USING ERRCODE = '22023',
      HINT = format('The keys are %s''s arguments: %s.', fn, array_to_string(allowed, ', '));
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO missing FROM unnest(required) k WHERE NOT e ? k OR e -> k = 'null';
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION '% element lacks %', fn, missing USING ERRCODE = '22023';
  END IF;
  RETURN e;
END
$$;

-- The whole batch: a JSON array of 0 to 1000 elements.
CREATE OR REPLACE FUNCTION txrelay._batch_array(fn text, arg text, batch jsonb)
  RETURNS void LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(batch) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION '%: % must be a JSON array, not %', fn, arg, coalesce(jsonb_typeof(batch), 'NULL')
      USING ERRCODE = '22023';
  END IF;
  IF jsonb_array_length(batch) > 1000 THEN
    RAISE EXCEPTION '%: % has % elements; the limit is 1000', fn, arg, jsonb_array_length(batch)
      USING ERRCODE = '22023', HINT = 'Split the batch.';
  END IF;
END
$$;

-- Raises a batch element's error again, naming the element; its SQLSTATE, detail and hint kept.
CREATE OR REPLACE FUNCTION txrelay._batch_error(fn text, element text, state text, msg text, detail text, hint text)
  RETURNS void LANGUAGE plpgsql IMMUTABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  detail := concat_ws(' ', nullif(detail, ''), 'Nothing of the batch was recorded.');
  IF coalesce(hint, '') = '' THEN
    RAISE EXCEPTION '%: %: %', fn, element, msg USING ERRCODE = state, DETAIL = detail;
  END IF;
  RAISE EXCEPTION '%: %: %', fn, element, msg USING ERRCODE = state, DETAIL = detail, HINT = hint;
END
$$;

-- The batch: each element through its single call, in order, in one subtransaction; the first
-- failing element's error is raised again with its index.
CREATE OR REPLACE FUNCTION txrelay._batch(fn text, batch jsonb)
  RETURNS SETOF txrelay.withdrawals LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  request_keys CONSTANT text[] := '{idempotency_key,account,chain_id,asset,to_address,amount,risk_tier,metadata}';
  approval_keys CONSTANT text[] := '{withdrawal_id,approval_id,policy_decision_id,decided_by}';
  arg CONSTANT text := CASE fn WHEN 'request_withdrawals' THEN 'requests' ELSE 'approvals' END;
  e jsonb;
  i int := 0;
  state text; msg text; detail text; hint text;
BEGIN
  PERFORM txrelay._batch_array(fn, arg, batch);
  BEGIN
    FOR e IN SELECT x FROM jsonb_array_elements(batch) x LOOP
      IF fn = 'request_withdrawals' THEN
        e := txrelay._batch_element(fn, e, request_keys, request_keys[1:6]);
        RETURN NEXT txrelay.request_withdrawal(e ->> 'idempotency_key', e ->> 'account', (e ->> 'chain_id')::bigint,
                                               e ->> 'asset', e ->> 'to_address', (e ->> 'amount')::numeric,
                                               coalesce(e ->> 'risk_tier', 'standard'), coalesce(e -> 'metadata', '{}'));
      ELSE
        e := txrelay._batch_element(fn, e, approval_keys, approval_keys);
        RETURN NEXT txrelay.approve((e ->> 'withdrawal_id')::uuid, (e ->> 'approval_id')::uuid,
                                    e ->> 'policy_decision_id', e ->> 'decided_by');
      END IF;
      i := i + 1;
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    PERFORM txrelay._batch_error(fn, CASE fn
        WHEN 'request_withdrawals' THEN format('requests[%s] (idempotency_key %s)', i,
                                              coalesce(quote_literal(batch -> i ->> 'idempotency_key'), 'none'))
        ELSE format('approvals[%s] (withdrawal_id %s)', i, coalesce(batch -> i ->> 'withdrawal_id', 'none')) END,
      state, msg, detail, hint);
  END;
END
$$;

CREATE OR REPLACE FUNCTION txrelay.request_withdrawals(requests jsonb)
  RETURNS SETOF txrelay.withdrawals LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT * FROM txrelay._batch('request_withdrawals', requests) $$;

CREATE OR REPLACE FUNCTION txrelay.approve_withdrawals(approvals jsonb)
  RETURNS SETOF txrelay.withdrawals LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT * FROM txrelay._batch('approve_withdrawals', approvals) $$;
