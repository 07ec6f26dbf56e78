-- Rows whose parent is missing, for every foreign key of the schema (read from the catalog, so a
-- new table is covered without a new check). The foreign keys refuse orphans to every writer but
-- one: a superuser with session_replication_role = replica (or the triggers disabled) writes past
-- them, and an orphan RESERVE, approval or nonce reservation would otherwise look consistent.
-- Each key is checked over its whole table (an anti-join on the parent's key): a forger can give a
-- row any timestamp, so no "since the checkpoint" filter would be safe. At most 10 rows per key
-- are named, with the count.
CREATE OR REPLACE FUNCTION txrelay._orphan_rows()
  RETURNS TABLE (problem text, details jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $orphans$
DECLARE
  fk record;
  child_cols text;
  match text;
  found jsonb;
BEGIN
  FOR fk IN
    SELECT c.conname, c.conrelid::regclass AS child, c.confrelid::regclass AS parent, c.conkey, c.confkey
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.connamespace = 'txrelay'::regnamespace
     ORDER BY c.conrelid::regclass::text, c.conname
  LOOP
    SELECT string_agg(format('c.%I', a.attname), ', ' ORDER BY k.i),
           string_agg(format('p.%I = c.%I', pa.attname, a.attname), ' AND ' ORDER BY k.i)
      INTO child_cols, match
      FROM unnest(fk.conkey, fk.confkey) WITH ORDINALITY AS k(child_att, parent_att, i)
      JOIN pg_attribute a ON a.attrelid = fk.child AND a.attnum = k.child_att
      JOIN pg_attribute pa ON pa.attrelid = fk.parent AND pa.attnum = k.parent_att;
    EXECUTE format(
      'SELECT jsonb_build_object(''count'', count(*), ''keys'', (jsonb_agg(k) FILTER (WHERE n <= 10)))
         FROM (SELECT to_jsonb(ROW(%1$s)) AS k, row_number() OVER () AS n FROM %2$s c
                WHERE ROW(%1$s) IS NOT NULL AND NOT EXISTS (SELECT FROM %3$s p WHERE %4$s)) o',
      child_cols, fk.child, fk.parent, match) INTO found;
    IF (found ->> 'count')::bigint > 0 THEN
      problem := 'row without its parent';
      details := jsonb_build_object('table', fk.child::text, 'constraint', fk.conname, 'parent', fk.parent::text,
                                    'rows', found -> 'count', 'keys', found -> 'keys');
      RETURN NEXT;
    END IF;
  END LOOP;
END
$orphans$;
