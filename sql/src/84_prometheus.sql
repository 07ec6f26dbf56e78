-- The metrics in the Prometheus text exposition format (for a scrape through postgres_exporter or
-- any HTTP bridge): HELP and TYPE once per metric, label values escaped as the format requires.
CREATE FUNCTION txrelay.prometheus() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $prometheus$
  WITH samples AS (
    SELECT m.metric, m.type, m.help, m.value,
           coalesce('{' || (SELECT string_agg(format('%s="%s"', l.key,
                                      replace(replace(replace(l.value, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n')), ',' ORDER BY l.key)
                              FROM jsonb_each_text(m.labels) l) || '}', '') AS labels
      FROM txrelay.metrics m
  )
  SELECT string_agg(block, '' ORDER BY metric)
    FROM (SELECT s.metric,
                 format(E'# HELP %s %s\n# TYPE %s %s\n', s.metric, replace(replace(min(s.help), E'\\', E'\\\\'), E'\n', E'\\n'), s.metric, min(s.type))
                 || string_agg(format(E'%s%s %s\n', s.metric, s.labels,
                                      CASE WHEN s.value IS NULL OR s.value = 'NaN'::float8 THEN 'NaN' ELSE s.value::text END), '' ORDER BY s.labels) AS block
            FROM samples s GROUP BY s.metric) b
$prometheus$;
