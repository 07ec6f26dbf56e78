-- The redaction the API applies to an endpoint's or signer's URL (RedactUrl in
-- src/core/endpoint_url.cpp), callable from SQL so that an upgrade can re-redact the stored URLs
-- when the rules learn a new provider shape (0.2.0: keys in a subdomain, ";apikey=", bare query
-- tokens, short mixed tokens). Not granted to any role.
CREATE OR REPLACE FUNCTION txrelay._redact_url(url text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_redact_url';
