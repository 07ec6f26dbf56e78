-- Helpers for the pgTAP suite, installed once per test database by scripts/test.sh.
CREATE SCHEMA txrelay_test;

-- Anvil's first dev accounts (reference/ethereum-rpc.md): senders and recipients in tests.
CREATE FUNCTION txrelay_test.dev(n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
                '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
                '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'])[n + 1]
$$;

-- A chain with its native asset, an ERC-20, a signer, two senders, two tiers and funded accounts.
-- Every test file that needs it calls it inside its own transaction (rolled back at the end).
CREATE FUNCTION txrelay_test.fixture(chain bigint DEFAULT 31337) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM txrelay.add_chain(chain, 'test chain ' || chain);
  PERFORM txrelay.add_asset(chain, 'USDC', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 6);
  PERFORM txrelay.add_signer('anvil-signer', 'http://127.0.0.1:8545');
  PERFORM txrelay.add_sender(chain, txrelay_test.dev(0), 'anvil-signer', 0);
  PERFORM txrelay.add_sender(chain, txrelay_test.dev(1), 'anvil-signer', 0);
  PERFORM txrelay.set_risk_tier('standard', 0, 'finalized');
  PERFORM txrelay.set_risk_tier('small', 1000, 'included:1');
  PERFORM txrelay.credit('alice', chain, 'ETH', 1000000000000000000, 'seed-alice-eth-' || chain);
  PERFORM txrelay.credit('alice', chain, 'USDC', 1000000000, 'seed-alice-usdc-' || chain);
  PERFORM txrelay.credit('bob', chain, 'ETH', 5000, 'seed-bob-eth-' || chain);
END
$$;

-- The submit_signed tests' fixture (test/vectors/generate.sh signed its transactions): chain 31337
-- with USDC, the client-signed sender dev(0), and withdrawals a to e (keys prefix || name) to
-- dev(2), approved in that order, so at nonces 0 to 4; d is the ERC-20 one.
CREATE FUNCTION txrelay_test.client_signed_withdrawals(prefix text) RETURNS TABLE (name text, id uuid)
LANGUAGE plpgsql AS $$
DECLARE
  x record;
BEGIN
  PERFORM txrelay.add_chain(31337, 'anvil');
  PERFORM txrelay.add_asset(31337, 'USDC', '0x5FbDB2315678afecb367f032d93F642f64180aa3', 6);
  PERFORM txrelay.add_sender(31337, txrelay_test.dev(0), NULL, 0);
  PERFORM txrelay.set_risk_tier('standard', 0, 'finalized');
  PERFORM txrelay.credit('alice', 31337, 'ETH', 1000000, prefix || 'eth');
  PERFORM txrelay.credit('alice', 31337, 'USDC', 10000000, prefix || 'usdc');
  FOR x IN SELECT * FROM (VALUES ('a', 'ETH', 1000), ('b', 'ETH', 1000), ('c', 'ETH', 1000), ('d', 'USDC', 1000000),
                                 ('e', 'ETH', 1000)) v (n, asset, amount) ORDER BY n LOOP
    name := x.n;
    id := (txrelay.request_withdrawal(prefix || x.n, 'alice', 31337, x.asset, txrelay_test.dev(2), x.amount)).withdrawal_id;
    PERFORM txrelay.approve(id, gen_random_uuid(), prefix || 'pd-' || x.n, 'carol');
    RETURN NEXT;
  END LOOP;
END
$$;

-- A digest of every row of every txrelay table: equal digests = no row changed.
CREATE FUNCTION txrelay_test.snapshot() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t text;
  part text;
  whole text := '';
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'txrelay'::regnamespace AND c.relkind = 'r' ORDER BY 1
  LOOP
    EXECUTE format('SELECT %L || '':'' || count(*) || '':'' || coalesce(md5(string_agg(x::text, ''|'' ORDER BY x::text)), '''') FROM txrelay.%I x', t, t)
      INTO part;
    whole := whole || part || E'\n';
  END LOOP;
  RETURN whole;
END
$$;

-- Runs `call` as its own committed-or-failed transaction on a second connection, so that the
-- check sees what really stayed in the database. Returns the SQLSTATE and message, or 00000.
CREATE FUNCTION txrelay_test.run_elsewhere(call text, OUT state text, OUT message text) LANGUAGE plpgsql AS $$
BEGIN
  IF NOT 'txrelay_test_conn' = ANY (coalesce(dblink_get_connections(), '{}')) THEN
    PERFORM dblink_connect('txrelay_test_conn',
      format('dbname=%s host=%s port=%s user=%s', current_database(),
             split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user));
  END IF;
  state := '00000';
  BEGIN
    PERFORM dblink_exec('txrelay_test_conn', call);
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
  END;
END
$$;

-- One bad input of the catalogue: `call` must fail with `errcode`, its message must mention
-- `names` (the argument), and no row of txrelay may change. Three TAP lines.
CREATE FUNCTION txrelay_test.refuses(call text, errcode text, names text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  before text := txrelay_test.snapshot();
  r record;
BEGIN
  r := txrelay_test.run_elsewhere(call);
  RETURN NEXT is(r.state, errcode, format('%s -> %s (%s)', call, errcode, r.message));
  RETURN NEXT ok(position(names IN coalesce(r.message, '')) > 0,
                 format('the message names %s: %s', names, coalesce(r.message, '(none)')));
  RETURN NEXT is(txrelay_test.snapshot(), before, 'nothing changed after: ' || call);
END
$$;
GRANT USAGE ON SCHEMA txrelay_test TO PUBLIC;

-- Runs `sql` as `role` (SET LOCAL ROLE inside the caller's transaction), then goes back.
CREATE FUNCTION txrelay_test.as_role(role text, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', role);
  EXECUTE sql;
  RESET ROLE;
END
$$;

-- The concurrency test's load: one session requesting and approving withdrawals for keys shared
-- with the other sessions, one transaction per key, recording every outcome.
CREATE TABLE txrelay_test.hammer_log (
  session int, round int, key int, step text, sqlstate text, withdrawal_id uuid, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON txrelay_test.hammer_log TO PUBLIC;

CREATE PROCEDURE txrelay_test.hammer(session int, chain bigint, n_keys int, rounds int) LANGUAGE plpgsql AS $$
DECLARE
  k int;
  w txrelay.withdrawals;
  state text;
BEGIN
  FOR r IN 1..rounds LOOP
    k := ((r * 37 + session * 11) % n_keys) + 1;  -- every session walks all keys, in its own order
    w := NULL;
    BEGIN
      w := txrelay.request_withdrawal(format('conc-%s-%s', chain, k), 'conc', chain, 'ETH', txrelay_test.dev(2), 1000 + k);
      INSERT INTO txrelay_test.hammer_log VALUES (session, r, k, 'request', '00000', w.withdrawal_id);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
      INSERT INTO txrelay_test.hammer_log VALUES (session, r, k, 'request', state, NULL);
    END;
    IF w.withdrawal_id IS NOT NULL THEN
      BEGIN
        PERFORM txrelay.approve(w.withdrawal_id, gen_random_uuid(), format('pd-%s-%s-%s-%s', chain, k, session, r), 'session-' || session);
        INSERT INTO txrelay_test.hammer_log VALUES (session, r, k, 'approve', '00000', w.withdrawal_id);
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
        INSERT INTO txrelay_test.hammer_log VALUES (session, r, k, 'approve', state, w.withdrawal_id);
      END;
    END IF;
    COMMIT;
  END LOOP;
END
$$;
