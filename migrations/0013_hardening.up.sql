-- message: hardening: rate limits for registration and password change, paged org/governance/auth lists
--
-- 1. Rate limits on the same PostgreSQL counters as login (auth_rate_limits, wos_rl_* of 0004):
--    - register:ip             every registration that reaches the database (created or e-mail
--                              taken) counts on the client IP, checked before bcrypt;
--    - password_change:user    every wrong current password of PATCH /users/me counts on the
--                              account (audited user.password_change_failed); a locked account is
--                              refused even with the right password until the lock ends, and the
--                              right password resets the counter.
--    Both use AUTH_LOGIN_MAX_ATTEMPTS / AUTH_LOGIN_WINDOW_SECONDS (docs/decisions.md).
-- 2. Lists that returned every row now return one page {items, total, limit, offset} (the
--    contract of GET /users): departments, department and shift members, shifts, holidays,
--    announcements, auth sessions and workspaces. The page functions are new; the unpaged ones
--    stay, unused by this release, so a binary of the previous release keeps working during a
--    rolling deploy (a later migration drops them).

-- ---------------------------------------------------------------------------------------------
-- Rate limits
-- ---------------------------------------------------------------------------------------------

-- POST /auth/register, before bcrypt: seconds to wait (0 = go on). Every call counts on
-- register:ip; the call that reaches p_max is already refused (spec 02 §4 semantics).
CREATE FUNCTION wos_auth_register_gate(p_ip text, p_max integer, p_window integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer;
BEGIN
    v_wait := wos_rl_retry_after('register:ip', p_ip);
    IF v_wait = 0 THEN
        v_wait := wos_rl_hit('register:ip', p_ip, p_max, p_window);
    END IF;
    RETURN v_wait;
END
$$;

-- PATCH /users/me with a password, first half: {"retry_after": n} while the account's
-- password_change:user lock lasts; else the account's e-mail, name and hash for C to verify the
-- current password and apply the policy.
CREATE FUNCTION wos_auth_password_change_begin(p_user uuid) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_wait integer := wos_rl_retry_after('password_change:user', p_user::text);
BEGIN
    IF v_wait > 0 THEN
        RETURN json_build_object('retry_after', v_wait);
    END IF;
    RETURN (SELECT json_build_object('retry_after', 0, 'email', u.email,
                                     'full_name', u.full_name, 'password_hash', u.password_hash)
              FROM users u WHERE u.id = p_user);
END
$$;

-- Second half, after C verified the current password. Right password: 200 and the counter
-- resets, unless a concurrent failure locked the account meanwhile (429). Wrong password:
-- audited, counted; 400, or 429 when this failure reaches p_max.
CREATE FUNCTION wos_auth_password_change_check(p_ws uuid, p_user uuid, p_ok boolean, p_ip text,
    p_request_id text, p_max integer, p_window integer)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_key text := p_user::text;
    v_wait integer := wos_rl_retry_after('password_change:user', p_user::text);
BEGIN
    IF p_ok THEN
        IF v_wait > 0 THEN
            RETURN json_build_object('status', 429, 'retry_after', v_wait);
        END IF;
        PERFORM wos_rl_reset('password_change:user', v_key);
        RETURN json_build_object('status', 200);
    END IF;
    IF v_wait = 0 THEN
        v_wait := wos_rl_hit('password_change:user', v_key, p_max, p_window);
    END IF;
    PERFORM wos_audit_append(p_ws, p_user, 'user.password_change_failed', 'user', p_user,
                             (SELECT u.full_name FROM users u WHERE u.id = p_user), NULL, NULL,
                             jsonb_build_object('reason', 'bad_current_password',
                                                'locked', v_wait > 0),
                             p_ip, p_request_id);
    IF v_wait > 0 THEN
        RETURN json_build_object('status', 429, 'retry_after', v_wait);
    END IF;
    RETURN json_build_object('status', 400);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Paged lists: {items, total, limit, offset}, a stable order ending in the id
-- ---------------------------------------------------------------------------------------------

-- GET /departments, /departments/active
CREATE FUNCTION wos_departments_page(p_ws uuid, p_only_active boolean, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT d.id, lower(d.name) AS k FROM departments d
         WHERE d.workspace_id = p_ws AND (NOT p_only_active OR d.is_active)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_department_read(p_ws, f.id) ORDER BY f.k, f.id)
                             FROM (SELECT * FROM found ORDER BY k, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- Members of a department or a shift, as wos_members_brief (0005) shows them, one page.
CREATE FUNCTION wos_members_brief_page(p_ws uuid, p_department uuid, p_shift uuid,
    p_limit integer, p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT m.user_id, lower(u.full_name) AS k
          FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = p_ws
           AND (p_department IS NULL OR m.department_id = p_department)
           AND (p_shift IS NULL OR m.shift_id = p_shift)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(json_build_object(
                     'id', u.id, 'full_name', u.full_name, 'role', r.name, 'role_label', r.label,
                     'designation', m.designation, 'department_id', m.department_id,
                     'department_name', d.name, 'shift_id', m.shift_id, 'shift_name', s.name,
                     'manager_id', m.manager_id, 'manager_name', mu.full_name,
                     'status', m.status)
                   ORDER BY f.k, f.user_id)
             FROM (SELECT * FROM found ORDER BY k, user_id LIMIT p_limit OFFSET p_offset) f
             JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = f.user_id
             JOIN users u ON u.id = m.user_id
             JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
             LEFT JOIN departments d ON d.workspace_id = m.workspace_id
                                    AND d.id = m.department_id
             LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
             LEFT JOIN users mu ON mu.id = m.manager_id), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /departments/{id}/employees
CREATE FUNCTION wos_department_members_page(p_ws uuid, p_id uuid, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM departments d WHERE d.workspace_id = p_ws AND d.id = p_id)
                THEN wos_ok(wos_members_brief_page(p_ws, p_id, NULL, p_limit, p_offset))
                ELSE wos_refusal(404, 'Department not found') END
$$;

-- GET /shifts
CREATE FUNCTION wos_shifts_page(p_ws uuid, p_only_active boolean, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT s.id, lower(s.name) AS k, s.start_time FROM shifts s
         WHERE s.workspace_id = p_ws AND (NOT p_only_active OR s.is_active)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_shift_read(p_ws, f.id)
                                           ORDER BY f.k, f.start_time, f.id)
                             FROM (SELECT * FROM found ORDER BY k, start_time, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /shifts/{id}/employees
CREATE FUNCTION wos_shift_members_page(p_ws uuid, p_id uuid, p_limit integer, p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_id)
                THEN wos_ok(wos_members_brief_page(p_ws, NULL, p_id, p_limit, p_offset))
                ELSE wos_refusal(404, 'Shift not found') END
$$;

-- GET /holidays, /holidays/active (/holidays/upcoming keeps wos_holidays_list: it has its limit)
CREATE FUNCTION wos_holidays_page(p_ws uuid, p_only_active boolean, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT h.* FROM holidays h
         WHERE h.workspace_id = p_ws AND (NOT p_only_active OR h.is_active)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_holiday_json(f) ORDER BY f.holiday_date, f.id)
                             FROM (SELECT * FROM found ORDER BY holiday_date, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /announcements: what the caller can see now (not expired), newest first.
CREATE FUNCTION wos_announcements_page(p_ws uuid, p_actor uuid, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT a.*
          FROM announcements a
          JOIN memberships m ON m.workspace_id = a.workspace_id AND m.user_id = p_actor
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
         WHERE a.workspace_id = p_ws
           AND wos_announcement_visible(a, r.name, m.department_id, false)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_announcement_json(f) ORDER BY f.created_at DESC,
                                                                              f.id)
                             FROM (SELECT * FROM found ORDER BY created_at DESC, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /announcements/all: every announcement, drafts and archived included, newest first.
CREATE FUNCTION wos_announcements_all_page(p_ws uuid, p_limit integer, p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT a.* FROM announcements a WHERE a.workspace_id = p_ws
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_announcement_json(f) ORDER BY f.created_at DESC,
                                                                              f.id)
                             FROM (SELECT * FROM found ORDER BY created_at DESC, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /auth/sessions: my live sessions, most recently used first.
CREATE FUNCTION wos_auth_sessions_page(p_user uuid, p_sid uuid, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT s.id, s.last_used_at FROM auth_sessions s
         WHERE s.user_id = p_user AND s.revoked_at IS NULL AND s.expires_at > now()
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(json_build_object(
                     'id', s.id, 'device', wos_auth_device(s.user_agent),
                     'user_agent', s.user_agent, 'ip_address', s.ip_address,
                     'workspace_id', s.workspace_id, 'workspace_name', w.name,
                     'created_at', wos_utc_text(s.created_at),
                     'last_used_at', wos_utc_text(s.last_used_at),
                     'expires_at', wos_utc_text(s.expires_at), 'current', s.id = p_sid)
                   ORDER BY f.last_used_at DESC, f.id)
             FROM (SELECT * FROM found ORDER BY last_used_at DESC, id
                   LIMIT p_limit OFFSET p_offset) f
             JOIN auth_sessions s ON s.id = f.id
             JOIN workspaces w ON w.id = s.workspace_id), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /workspaces: my memberships, by workspace name.
CREATE FUNCTION wos_workspaces_page(p_user uuid, p_current uuid, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT m.workspace_id, w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = p_user
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_workspace_read(f.workspace_id, p_user, p_current)
                                           ORDER BY f.name, f.workspace_id)
                             FROM (SELECT * FROM found ORDER BY name, workspace_id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;
