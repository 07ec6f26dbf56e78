-- txrelay: duplicate-safe withdrawals enforced inside PostgreSQL.
-- The data model of DESIGN §3, the SQL API of §4a and the invariants' triggers.
-- Every constraint and index has a name; every function is SECURITY DEFINER with a pinned
-- search_path; no role but the extension owner writes a table directly.
--
-- Built by make: sql/txrelay--<version>.sql is sql/src/*.sql concatenated in name order; edit
-- those files, never the built script. A schema change also goes into the next upgrade
-- script (sql/txrelay--<released>--<version>.sql); released scripts are frozen.

\echo Use "CREATE EXTENSION txrelay" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- Roles (cluster-wide; created once, kept when the extension is dropped)
-- ---------------------------------------------------------------------------------------------
DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['txrelay_app', 'txrelay_approver', 'txrelay_operator', 'txrelay_auditor', 'txrelay_depositor']
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$roles$;

-- An exact amount in base units: 0 <= amount < 2^256 (DESIGN §3).
CREATE DOMAIN txrelay.wei AS numeric(78, 0)
  CONSTRAINT wei_range_check CHECK (VALUE >= 0 AND VALUE < 115792089237316195423570985008687907853269984665640564039457584007913129639936);
