
-- ---------------------------------------------------------------------------------------------
-- Status sets: the one definition of every named set of withdrawal statuses (final,
-- ended_unpaid, in_flight, paid, tracked, ...: src/core/status_sets.hpp, derived from the
-- transition table). Views, index predicates, alerts and metrics say
-- `status <> ALL (txrelay._status_set('final'))`; IMMUTABLE, so the planner folds it into the
-- constant list and a partial index with that predicate serves the queries that say the same.
-- A change of a set changes the predicates' meaning: its upgrade script rebuilds those indexes.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION txrelay._status_set(set_name text) RETURNS text[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS 'MODULE_PATHNAME', 'txrelay_status_set';
