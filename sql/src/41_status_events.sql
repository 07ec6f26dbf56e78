-- ---------------------------------------------------------------------------------------------
-- Status events (DESIGN §4): every inserted withdrawal and every changed status writes one
-- withdrawal_events row, whoever writes (AFTER: the rows exist for the foreign key; ENABLE ALWAYS:
-- replica mode does not switch them off). A statement's events go in one INSERT, from its
-- transition tables (issue 23, decision 89).
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION txrelay._withdrawals_record_events() RETURNS trigger
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'txrelay_withdrawals_record_events';
CREATE TRIGGER withdrawals_events_insert AFTER INSERT ON txrelay.withdrawals
  REFERENCING NEW TABLE AS txrelay_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._withdrawals_record_events();
CREATE TRIGGER withdrawals_events_update AFTER UPDATE ON txrelay.withdrawals
  REFERENCING OLD TABLE AS txrelay_old_rows NEW TABLE AS txrelay_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION txrelay._withdrawals_record_events();
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_events_insert;
ALTER TABLE txrelay.withdrawals ENABLE ALWAYS TRIGGER withdrawals_events_update;
