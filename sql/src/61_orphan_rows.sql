-- Rows whose parent is missing, for every foreign key of the schema (read from the catalog, so a
-- new table is covered without a new check). The foreign keys refuse orphans to every writer but
-- one: a superuser with session_replication_role = replica (or the triggers disabled) writes past
-- them, and an orphan RESERVE, approval or nonce reservation would otherwise look consistent.
-- `written_since` NULL: every row. Else only rows written (inserted or updated) by transactions
-- from that one on - judged by the row's xmin, which a writer cannot choose, unlike a timestamp;
-- the rows before were checked when the checkpoint that starts there was taken. (A row whose xmin
-- is older than 2^31 transactions may count as recent: then it is checked again, never skipped.)
-- At most 10 rows per key are named, with the count.
CREATE OR REPLACE FUNCTION txrelay._orphan_rows(written_since xid8 DEFAULT NULL)
  RETURNS TABLE (problem text, details jsonb)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $orphans$
DECLARE
  max_age int := CASE WHEN written_since IS NULL THEN NULL ELSE age(xid(written_since)) END;
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
                WHERE ROW(%1$s) IS NOT NULL AND ($1 IS NULL OR age(c.xmin) <= $1)
                  AND NOT EXISTS (SELECT FROM %3$s p WHERE %4$s)) o',
      child_cols, fk.child, fk.parent, match) INTO found USING max_age;
    IF (found ->> 'count')::bigint > 0 THEN
      problem := 'row without its parent';
      details := jsonb_build_object('table', fk.child::text, 'constraint', fk.conname, 'parent', fk.parent::text,
                                    'rows', found -> 'count', 'keys', found -> 'keys');
      RETURN NEXT;
    END IF;
  END LOOP;
END
$orphans$;
