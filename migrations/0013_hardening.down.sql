-- 0013 only added functions; the ones it superseded were left in place, so dropping is enough.
DROP FUNCTION wos_workspaces_page(uuid, uuid, integer, integer);
DROP FUNCTION wos_auth_sessions_page(uuid, uuid, integer, integer);
DROP FUNCTION wos_announcements_all_page(uuid, integer, integer);
DROP FUNCTION wos_announcements_page(uuid, uuid, integer, integer);
DROP FUNCTION wos_holidays_page(uuid, boolean, integer, integer);
DROP FUNCTION wos_shift_members_page(uuid, uuid, integer, integer);
DROP FUNCTION wos_shifts_page(uuid, boolean, integer, integer);
DROP FUNCTION wos_department_members_page(uuid, uuid, integer, integer);
DROP FUNCTION wos_members_brief_page(uuid, uuid, uuid, integer, integer);
DROP FUNCTION wos_departments_page(uuid, boolean, integer, integer);
DROP FUNCTION wos_auth_password_change_check(uuid, uuid, boolean, text, text, integer, integer);
DROP FUNCTION wos_auth_password_change_begin(uuid);
DROP FUNCTION wos_auth_register_gate(text, integer, integer);
