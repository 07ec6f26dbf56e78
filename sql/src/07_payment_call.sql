
-- ---------------------------------------------------------------------------------------------
-- Which signed transactions pay the recipient (src/core/payment_call.hpp): every call but a gap
-- filler's zero-value self-transfer (and its fee bumps). The tracker applies the same C++ rule;
-- the views and checks that look for a payment mined after its money was released use this.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION txrelay._pays(to_address text, from_address text, value numeric, data bytea) RETURNS boolean
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_pays';
