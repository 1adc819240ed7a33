-- message: drop the initial schema
--
-- Reverse of 0001_initial_schema.up.sql: drops every table it created in one statement (the
-- tables reference each other in cycles: workspaces <-> users, departments <-> memberships),
-- listed in reverse creation order, then its functions. Triggers go with their tables. No
-- CASCADE: an object of a later migration still depending on these makes the downgrade fail
-- instead of vanishing silently.

DROP TABLE
    notifications,
    announcements,
    alerts,
    approval_timeline,
    approvals,
    leave_balance_adjustments,
    leave_balances,
    leave_requests,
    daily_stats,
    attendance_exceptions,
    attendance_corrections,
    attendance_breaks,
    attendance_sessions,
    jobs,
    audit_logs,
    auth_rate_limits,
    password_reset_tokens,
    refresh_tokens,
    auth_sessions,
    account_invitations,
    application_settings,
    user_permission_overrides,
    role_permissions,
    role_default_permissions,
    permissions,
    memberships,
    roles,
    holidays,
    shifts,
    departments,
    users,
    workspaces;

DROP FUNCTION wos_seed_workspace(uuid, integer, integer);
DROP FUNCTION wos_jobs_notify();
DROP FUNCTION wos_audit_verify(uuid);
DROP FUNCTION wos_audit_append(uuid, uuid, text, text, uuid, text, jsonb, jsonb, jsonb, text,
    text);
DROP FUNCTION wos_audit_hash(text);
DROP FUNCTION wos_audit_canonical(text, bigint, uuid, uuid, text, text, uuid, text, jsonb, jsonb,
    jsonb, text, text, timestamptz);
DROP FUNCTION wos_audit_immutable();
DROP FUNCTION wos_set_updated_at();
