
-- The txrelay.* settings as the SQL reads them (the alerts' thresholds, the workers' switches):
-- from the one table of settings in the library (bgworker/worker_settings.cpp), defaults
-- included; calling it loads the library, which defines them all, preloaded or not.
CREATE OR REPLACE FUNCTION txrelay._setting(name text) RETURNS text
  LANGUAGE c STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_setting';
