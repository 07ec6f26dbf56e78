-- For the integrity-cost rounds of bench/intake.sh only, in a throwaway database: drops the
-- constraints of txrelay's tables whose kinds (pg_constraint.contype) are in :'kinds'
-- ('f' foreign keys, 'c' CHECK constraints), to measure what they cost. Never run elsewhere.
SELECT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
  FROM pg_catalog.pg_constraint
 WHERE connamespace = 'txrelay'::regnamespace AND conrelid <> 0
   AND contype::text = ANY (pg_catalog.string_to_array(:'kinds', ','))
\gexec
