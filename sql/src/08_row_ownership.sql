
-- ---------------------------------------------------------------------------------------------
-- Row ownership (issue 17): several applications may share one database. An application login
-- sees and acts on the withdrawals it requested (withdrawals.requested_by = its session_user);
-- superusers and members of txrelay_operator, txrelay_approver or txrelay_auditor see all of them.
-- session_user, not current_user: SECURITY DEFINER and SET ROLE do not change it.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION txrelay._sees_all_withdrawals() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $all$
  SELECT r.rolsuper OR pg_has_role(r.oid, 'txrelay_operator', 'MEMBER') OR pg_has_role(r.oid, 'txrelay_approver', 'MEMBER')
         OR pg_has_role(r.oid, 'txrelay_auditor', 'MEMBER')
    FROM pg_roles r WHERE r.rolname = session_user
$all$;

CREATE OR REPLACE FUNCTION txrelay._sees_withdrawal(requested_by text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $sees$
  SELECT requested_by IS NULL OR requested_by = session_user OR txrelay._sees_all_withdrawals()
$sees$;
