-- Batch payouts (issue 23): many requests or approvals in one call and one transaction. Each
-- element is the single call's arguments by name, with every rule, replay and SQLSTATE of the
-- single call; all or nothing: a failing element refuses the whole batch, its error says which
-- element (0-based) and keeps the element's SQLSTATE, detail and hint. One subtransaction for the
-- whole batch (to add the index to the error), not one per element. Nonces are reserved in
-- element order, gap-free. Both are set-based: the elements' shapes are checked and their
-- arguments cast here, in order; then the single call's rules run element by element in C++ and
-- the rows are written one statement per table where the rules allow it (_request_batch,
-- src/api/request_batch.cpp: one INSERT of the new withdrawals, then each one's RESERVE and
-- auto-approval in order; _approve_batch, src/api/approval_batch.cpp: one sender per chain for
-- the whole batch).

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
  -- Two expressions on the good path; the queries that name the keys run only for a bad element.
  IF e - allowed <> '{}' THEN
    SELECT string_agg(k, ', ' ORDER BY k) INTO unknown FROM jsonb_object_keys(e) k WHERE k <> ALL (allowed);
    RAISE EXCEPTION '% element has unknown key(s): %', fn, unknown USING ERRCODE = '22023',
      HINT = format('The keys are %s''s arguments: %s.', fn, array_to_string(allowed, ', '));
  END IF;
  IF NOT jsonb_strip_nulls(e) ?& required THEN  -- a required key missing or null
    SELECT string_agg(k, ', ' ORDER BY k) INTO missing FROM unnest(required) k WHERE NOT e ? k OR e -> k = 'null';
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

-- The set-based approvals: the withdrawal of each element, in order. The element a failure
-- belongs to is read after the error with _batch_failed_at() (-1: the batch as a whole).
CREATE OR REPLACE FUNCTION txrelay._approve_batch(withdrawal_ids text[], approval_ids text[],
                                                  policy_decision_ids text[], decided_by text[])
  RETURNS text[] LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_approve_batch';
-- The set-based requests: the withdrawal of each element, in order (its replay or its new one).
CREATE OR REPLACE FUNCTION txrelay._request_batch(idempotency_keys text[], accounts text[], chain_ids text[],
                                                  assets text[], to_addresses text[], amounts text[],
                                                  risk_tiers text[], metadata text[])
  RETURNS text[] LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_request_batch';
CREATE OR REPLACE FUNCTION txrelay._batch_failed_at() RETURNS int
  LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_batch_failed_at';

-- The batch: each element's shape checked and its arguments cast in order, then the set-based
-- function of the batch's kind. The failing element's error is raised again with its index.
CREATE OR REPLACE FUNCTION txrelay._batch(fn text, batch jsonb)
  RETURNS SETOF txrelay.withdrawals LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  request_keys CONSTANT text[] := '{idempotency_key,account,chain_id,asset,to_address,amount,risk_tier,metadata}';
  approval_keys CONSTANT text[] := '{withdrawal_id,approval_id,policy_decision_id,decided_by}';
  arg CONSTANT text := CASE fn WHEN 'request_withdrawals' THEN 'requests' ELSE 'approvals' END;
  e jsonb;
  i int := 0;
  set_based boolean := false;
  keys text[] := '{}'; accounts text[] := '{}'; chains text[] := '{}'; assets text[] := '{}';
  addresses text[] := '{}'; amounts text[] := '{}'; tiers text[] := '{}'; metadata text[] := '{}';
  ids text[] := '{}'; approval_ids text[] := '{}'; policies text[] := '{}'; deciders text[] := '{}';
  state text; msg text; detail text; hint text;
BEGIN
  PERFORM txrelay._batch_array(fn, arg, batch);
  BEGIN
    FOR e IN SELECT x FROM jsonb_array_elements(batch) x LOOP
      IF fn = 'request_withdrawals' THEN  -- each cast as the single call's argument type casts it
        e := txrelay._batch_element(fn, e, request_keys, request_keys[1:6]);
        keys := keys || (e ->> 'idempotency_key');
        accounts := accounts || (e ->> 'account');
        chains := chains || ((e ->> 'chain_id')::bigint)::text;
        assets := assets || (e ->> 'asset');
        addresses := addresses || (e ->> 'to_address');
        amounts := amounts || ((e ->> 'amount')::numeric)::text;
        tiers := tiers || coalesce(e ->> 'risk_tier', 'standard');
        metadata := metadata || coalesce(e -> 'metadata', '{}')::text;
      ELSE
        e := txrelay._batch_element(fn, e, approval_keys, approval_keys);
        ids := ids || ((e ->> 'withdrawal_id')::uuid)::text;
        approval_ids := approval_ids || ((e ->> 'approval_id')::uuid)::text;
        policies := policies || (e ->> 'policy_decision_id');
        deciders := deciders || (e ->> 'decided_by');
      END IF;
      i := i + 1;
    END LOOP;
    set_based := true;
    IF fn = 'request_withdrawals' THEN
      ids := txrelay._request_batch(keys, accounts, chains, assets, addresses, amounts, tiers, metadata);
    ELSE
      ids := txrelay._approve_batch(ids, approval_ids, policies, deciders);
    END IF;
    -- A separate statement: it sees the set-based function's writes.
    RETURN QUERY SELECT w.* FROM unnest(ids) WITH ORDINALITY u (id, n)
                            JOIN txrelay.withdrawals w ON w.withdrawal_id = u.id::uuid ORDER BY u.n;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    IF set_based THEN
      i := txrelay._batch_failed_at();
    END IF;
    PERFORM txrelay._batch_error(fn, CASE
        WHEN i < 0 THEN format('%s (the batch as a whole)', arg)
        WHEN fn = 'request_withdrawals' THEN format('requests[%s] (idempotency_key %s)', i,
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

-- The broadcaster's round of signed transactions, recorded as submit_signed records each one but
-- one statement per table (src/api/signing_round.cpp): the attempt ids, in order. All or
-- nothing; on a refusal the broadcaster records the round one by one through submit_signed.
-- Internal: no role is granted it.
CREATE OR REPLACE FUNCTION txrelay._submit_signed_round(signature_request_ids text[], raw_txs text[])
  RETURNS text[] LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_submit_signed_round';
