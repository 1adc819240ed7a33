-- message: hot SQL paths with cached plans, one shared scope, paged queues
--
-- 1. Plans. A LANGUAGE sql function that PostgreSQL cannot inline is planned again on every
--    call from a new statement (and on every call when it is nested in another SQL function):
--    wos_user_read cost ~0.9 ms per GET /users/me, almost all of it planning. The functions on
--    the request paths measured by bench/ become plpgsql (whose statements keep their plans
--    for the connection) with the same text; `#variable_conflict use_column` keeps the SQL
--    functions' name resolution (a column wins over a parameter of the same name). Pure
--    expressions stay LANGUAGE sql so that they go on being inlined; wos_att_utc becomes
--    STABLE (it calls the stable to_char, which kept an IMMUTABLE wrapper from inlining).
-- 2. Scope. Members, attendance and leave had three copies of the scope rule (spec 03 §1): the
--    workspace for admin/HR (or the module's org-wide permission), the whole chain below a
--    manager, a team lead's direct reports, everyone else themself. wos_scope_kind,
--    wos_scope_ids and wos_scope_has are now the one implementation; the old functions are
--    thin wrappers with their old signatures. Attendance now honours attendance.view_org like
--    members honour users.view_all and leave leave.view_org (docs/decisions.md).
-- 3. Lists. GET /attendance/me builds its page in one set-based query instead of one
--    function call per session; GET /leaves filters once and computes each balance once per
--    member, year and type of the page. GET /leaves/me, /leaves/pending,
--    /attendance/corrections/pending, /attendance/exceptions and /approvals take limit and
--    offset and report total (new overloads; the old signatures stay for a rolling deploy).
-- 4. Audit. wos_leave_create and wos_leave_cancel append their audit row last, so the
--    workspace's audit-chain lock (held to commit) is not held while the reply is built.

-- ---------------------------------------------------------------------------------------------
-- Shared scope
-- ---------------------------------------------------------------------------------------------

-- 'all', 'chain' (manager), 'direct' (team lead) or 'self'; NULL when p_actor is not a member.
-- 'all' for admin and HR, and for holders of p_org_key (the permission that grants the
-- calling module's workspace-wide view: users.view_all, attendance.view_org, leave.view_org).
CREATE FUNCTION wos_scope_kind(p_ws uuid, p_actor uuid, p_org_key text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role text;
    v_role_id uuid;
BEGIN
    SELECT r.name, r.id INTO v_role, v_role_id
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_role IN ('admin', 'hr_operations')
       OR (p_org_key IS NOT NULL AND wos_has_permission(p_ws, p_actor, v_role_id, p_org_key)) THEN
        RETURN 'all';
    END IF;
    RETURN CASE v_role WHEN 'manager' THEN 'chain' WHEN 'team_lead' THEN 'direct'
                       ELSE 'self' END;
END
$$;

-- NULL when p_kind is 'all'; else p_actor plus their reports ('direct': one level, 'chain':
-- every level below). UNION keeps a reporting cycle, should one ever exist, from looping.
CREATE OR REPLACE FUNCTION wos_scope_ids(p_ws uuid, p_actor uuid, p_kind text) RETURNS uuid[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_kind = 'all' THEN
        RETURN NULL;
    ELSIF p_kind = 'chain' THEN
        RETURN ARRAY(
            WITH RECURSIVE below (uid) AS (
                SELECT m.user_id FROM memberships m
                 WHERE m.workspace_id = p_ws AND m.manager_id = p_actor
                UNION
                SELECT m.user_id FROM below b
                  JOIN memberships m ON m.workspace_id = p_ws AND m.manager_id = b.uid
            )
            SELECT p_actor UNION SELECT b.uid FROM below b);
    ELSIF p_kind = 'direct' THEN
        RETURN ARRAY(SELECT p_actor UNION
                     SELECT m.user_id FROM memberships m
                      WHERE m.workspace_id = p_ws AND m.manager_id = p_actor);
    END IF;
    RETURN ARRAY[p_actor];
END
$$;

-- The scope of p_actor for a module (see wos_scope_kind) as an array; NULL = the workspace.
CREATE FUNCTION wos_scope_of(p_ws uuid, p_actor uuid, p_org_key text) RETURNS uuid[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN wos_scope_ids(p_ws, p_actor, wos_scope_kind(p_ws, p_actor, p_org_key));
END
$$;

-- Whether member p_target is in p_actor's scope for a module. Walks up from the target (a
-- few rows) instead of computing the scope (a manager's whole chain).
CREATE FUNCTION wos_scope_has(p_ws uuid, p_actor uuid, p_org_key text, p_target uuid)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_kind text;
    v_cur uuid := p_target;
    v_seen uuid[] := ARRAY[p_target];
BEGIN
    IF p_target IS NULL THEN
        RETURN false;
    END IF;
    IF p_target = p_actor THEN
        RETURN true;
    END IF;
    v_kind := wos_scope_kind(p_ws, p_actor, p_org_key);
    IF v_kind = 'all' THEN
        RETURN EXISTS (SELECT 1 FROM memberships m
                        WHERE m.workspace_id = p_ws AND m.user_id = p_target);
    ELSIF v_kind = 'direct' THEN
        RETURN EXISTS (SELECT 1 FROM memberships m
                        WHERE m.workspace_id = p_ws AND m.user_id = p_target
                          AND m.manager_id = p_actor);
    ELSIF v_kind = 'chain' THEN
        LOOP
            SELECT m.manager_id INTO v_cur FROM memberships m
             WHERE m.workspace_id = p_ws AND m.user_id = v_cur;
            IF v_cur IS NULL OR v_cur = ANY (v_seen) THEN
                RETURN false;
            END IF;
            IF v_cur = p_actor THEN
                RETURN true;
            END IF;
            v_seen := v_seen || v_cur;
        END LOOP;
    END IF;
    RETURN false;
END
$$;

-- The module wrappers keep their signatures (and are inlined into their callers).
CREATE OR REPLACE FUNCTION wos_member_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT wos_scope_kind(p_ws, p_actor, 'users.view_all')
$$;

CREATE OR REPLACE FUNCTION wos_member_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT m.user_id FROM memberships m
     WHERE m.workspace_id = p_ws
       AND m.user_id = ANY (coalesce((SELECT wos_scope_of(p_ws, p_actor, 'users.view_all')),
                                     ARRAY[m.user_id]))
$$;

CREATE OR REPLACE FUNCTION wos_member_in_scope(p_ws uuid, p_actor uuid, p_target uuid)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT wos_scope_has(p_ws, p_actor, 'users.view_all', p_target)
$$;

CREATE OR REPLACE FUNCTION wos_leave_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT wos_scope_kind(p_ws, p_actor, 'leave.view_org')
$$;

CREATE OR REPLACE FUNCTION wos_leave_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT m.user_id FROM memberships m
     WHERE m.workspace_id = p_ws
       AND m.user_id = ANY (coalesce((SELECT wos_scope_of(p_ws, p_actor, 'leave.view_org')),
                                     ARRAY[m.user_id]))
$$;

CREATE OR REPLACE FUNCTION wos_leave_in_scope(p_ws uuid, p_actor uuid, p_user uuid)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT wos_scope_has(p_ws, p_actor, 'leave.view_org', p_user)
$$;

-- Attendance: the scope without the actor (their own rows are always theirs), except that the
-- workspace includes them.
CREATE OR REPLACE FUNCTION wos_att_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT m.user_id
      FROM memberships m,
           (SELECT wos_scope_of(p_ws, p_actor, 'attendance.view_org') AS ids) s
     WHERE m.workspace_id = p_ws
       AND (s.ids IS NULL OR (m.user_id = ANY (s.ids) AND m.user_id <> p_actor))
$$;

CREATE OR REPLACE FUNCTION wos_att_sees(p_ws uuid, p_actor uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT wos_scope_has(p_ws, p_actor, 'attendance.view_org', p_user)
$$;

-- ---------------------------------------------------------------------------------------------
-- Roles and permissions
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION wos_has_permission(p_ws uuid, p_user uuid, p_role uuid, p_perm text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (SELECT COALESCE(
        (SELECT o.granted
           FROM user_permission_overrides o
           JOIN permissions p ON p.id = o.permission_id
          WHERE o.workspace_id = p_ws AND o.user_id = p_user AND p.code = p_perm),
        EXISTS (SELECT 1
                  FROM role_permissions rp
                  JOIN permissions p ON p.id = rp.permission_id
                 WHERE rp.workspace_id = p_ws AND rp.role_id = p_role AND p.code = p_perm)));
END
$$;

CREATE OR REPLACE FUNCTION wos_member_role(p_ws uuid, p_user uuid, OUT name text,
    OUT rank integer, OUT role_id uuid)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    SELECT r.name, r.rank::integer, r.id INTO name, rank, role_id
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_role(p_ws uuid, p_user uuid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT r.name FROM memberships m
              JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
             WHERE m.workspace_id = p_ws AND m.user_id = p_user);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Members
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION wos_user_read(p_ws uuid, p_user uuid, p_online_ttl integer) RETURNS json
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    SELECT json_build_object(
        'id', u.id, 'full_name', u.full_name, 'phone', u.phone, 'email', u.email,
        'role', r.name, 'role_label', r.label, 'status', m.status, 'account_status', u.status,
        'department', CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                           THEN NULL ELSE m.department END,
        'department_id', m.department_id,
        'department_name', coalesce(d.name,
            CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                 THEN NULL ELSE m.department END),
        'designation', m.designation, 'manager_id', m.manager_id, 'manager_name', mu.full_name,
        'shift_id', m.shift_id, 'shift_name', s.name,
        'shift_timing', CASE WHEN s.id IS NULL THEN NULL
                             ELSE to_char(s.start_time, 'HH12:MI AM') || ' - '
                                  || to_char(s.end_time, 'HH12:MI AM') END,
        'avatar_url', u.avatar_url, 'avatar_updated_at', wos_utc_text(u.avatar_updated_at),
        'profile_picture_url', u.avatar_url,
        'profile_picture_updated_at', wos_utc_text(u.avatar_updated_at),
        'profile_picture_content_type', u.avatar_content_type,
        'profile_picture_size', u.avatar_size,
        'presence_status', u.presence_status,
        'presence_updated_at', wos_utc_text(u.presence_updated_at),
        'last_seen_at', wos_utc_text(u.last_seen_at),
        'online_state', CASE WHEN online.v THEN 'online' ELSE 'offline' END,
        'is_online', online.v,
        'workspace_id', m.workspace_id, 'joined_at', wos_utc_text(m.joined_at),
        'created_at', wos_utc_text(u.created_at),
        'updated_at', wos_utc_text(greatest(u.updated_at, m.updated_at)))
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
      LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
      LEFT JOIN users mu ON mu.id = m.manager_id
      CROSS JOIN LATERAL (SELECT coalesce(u.last_seen_at > now()
                                          - make_interval(secs => greatest(p_online_ttl, 30)),
                                          false) AS v) online
     WHERE m.workspace_id = p_ws AND m.user_id = p_user);
END
$$;

CREATE OR REPLACE FUNCTION wos_members_list(p_ws uuid, p_actor uuid, p_role text, p_department_id uuid,
    p_shift_id uuid, p_manager_id uuid, p_status text, p_department text, p_search text,
    p_sort text, p_desc boolean, p_limit integer, p_offset integer, p_online_ttl integer)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_page uuid[];
    v_total bigint;
BEGIN
    -- The page and the total: a fixed text run with EXECUTE, so that it is planned for the
    -- filters actually given (a cached generic plan estimates one row for a whole workspace
    -- and nests loops over 2,000 members). The page's JSON uses wos_user_read's cached plan.
    EXECUTE $q$
    WITH found AS (
        SELECT m.user_id, u.full_name, m.created_at,
               CASE $10 WHEN 'email' THEN u.email WHEN 'role' THEN r.name
                        WHEN 'status' THEN m.status
                        WHEN 'department_name' THEN lower(coalesce(d.name, m.department))
                        ELSE lower(u.full_name) END AS sort_key
          FROM memberships m
          JOIN users u ON u.id = m.user_id
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE m.workspace_id = $1
           AND ($14::uuid[] IS NULL OR m.user_id = ANY ($14))
           AND ($3::text IS NULL OR r.name = $3)
           AND ($4::uuid IS NULL OR m.department_id = $4)
           AND ($5::uuid IS NULL OR m.shift_id = $5)
           AND ($6::uuid IS NULL OR m.manager_id = $6)
           AND ($7::text IS NULL OR m.status = $7)
           AND ($8::text IS NULL OR m.department = $8)
           AND ($9::text IS NULL
                OR u.full_name ILIKE '%' || wos_like_escape($9) || '%'
                OR u.email ILIKE '%' || wos_like_escape($9) || '%')
    )
    SELECT ARRAY(SELECT f.user_id FROM found f
                  ORDER BY CASE WHEN $10 = 'created_at' AND NOT $11 THEN f.created_at END,
                           CASE WHEN $10 = 'created_at' AND $11 THEN f.created_at END DESC,
                           CASE WHEN $10 <> 'created_at' AND NOT $11 THEN f.sort_key END,
                           CASE WHEN $10 <> 'created_at' AND $11 THEN f.sort_key END DESC,
                           lower(f.full_name), f.user_id
                  LIMIT $12 OFFSET $13),
           (SELECT count(*) FROM found)
    $q$
    INTO v_page, v_total
    USING p_ws, p_actor, p_role, p_department_id, p_shift_id, p_manager_id, p_status,
          p_department, p_search, p_sort, p_desc, p_limit, p_offset,
          wos_scope_of(p_ws, p_actor, 'users.view_all');
    RETURN json_build_object(
        'items', coalesce((SELECT json_agg(wos_user_read(p_ws, x.id, p_online_ttl)
                                           ORDER BY x.n)
                             FROM unnest(v_page) WITH ORDINALITY AS x (id, n)), '[]'::json),
        'total', v_total, 'limit', p_limit, 'offset', p_offset);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Attendance
-- ---------------------------------------------------------------------------------------------

-- STABLE (to_char is): now inlined into its callers instead of called per timestamp.
CREATE OR REPLACE FUNCTION wos_att_utc(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The session representation from the session row, the owner's name, the session's breaks
-- (JSON array, oldest first) and its open break: a pure expression, inlined into the set-based
-- list and into wos_att_session_json.
CREATE FUNCTION wos_att_session_build(s attendance_sessions, p_user_full_name text,
    p_breaks jsonb, p_active_break jsonb)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'user_id', s.user_id,
        'user_full_name', p_user_full_name,
        'business_date', s.business_date,
        'check_in_at', wos_att_utc(s.check_in_at), 'check_out_at', wos_att_utc(s.check_out_at),
        'work_mode', s.work_mode, 'session_status', s.session_status, 'note', s.note,
        'correction_requested', s.correction_requested,
        'correction_reason', s.correction_reason, 'is_late_login', s.is_late_login,
        'is_early_logout', s.is_early_logout, 'is_overtime', s.is_overtime,
        'is_corrected', s.is_corrected,
        'attendance_classification', s.attendance_classification,
        'worked_minutes', s.worked_minutes, 'late_minutes', s.late_minutes,
        'early_checkout_minutes', s.early_checkout_minutes,
        'early_checkout_reason', s.early_checkout_reason,
        'checkout_after_shift_reason', s.checkout_after_shift_reason,
        'checkout_after_shift_note', s.checkout_after_shift_note,
        'expected_shift_start_at', wos_att_utc(s.expected_shift_start_at),
        'expected_shift_end_at', wos_att_utc(s.expected_shift_end_at),
        'created_at', wos_att_utc(s.created_at), 'updated_at', wos_att_utc(s.updated_at),
        'duration_minutes', CASE WHEN s.check_out_at IS NOT NULL
                                 THEN wos_att_minutes(s.check_in_at, s.check_out_at) END,
        'total_hours', s.total_hours, 'total_break_minutes', s.total_break_minutes,
        'dinner_break_minutes', s.dinner_break_minutes,
        'prayer_break_minutes', s.prayer_break_minutes,
        'other_break_minutes', s.other_break_minutes,
        'breaks', p_breaks,
        'active_break', p_active_break)
$$;

-- Session representation (spec 04 §8) plus business_date, note and early_checkout_reason.
CREATE OR REPLACE FUNCTION wos_att_session_json(s attendance_sessions) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    SELECT wos_att_session_build(s, (SELECT u.full_name FROM users u WHERE u.id = s.user_id),
               coalesce(br.all_breaks, '[]'::jsonb), br.open_break)
      FROM (SELECT jsonb_agg(wos_att_break_json(b) ORDER BY b.started_at, b.id) AS all_breaks,
                   (jsonb_agg(wos_att_break_json(b)) FILTER (WHERE b.ended_at IS NULL))
                       -> 0 AS open_break
              FROM attendance_breaks b
             WHERE b.workspace_id = s.workspace_id AND b.attendance_session_id = s.id) br);
END
$$;

-- GET /attendance/me, /team, /workspace: the page is built in one set-based query (names and
-- breaks joined for the page's sessions only).
CREATE OR REPLACE FUNCTION wos_attendance_list(p_ws uuid, p_actor uuid, p_view text, p_from date,
    p_to date, p_user uuid, p_dept uuid, p_class text, p_mode text, p_limit integer,
    p_offset integer, p_ip text, p_rid text, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
BEGIN
    body := wos_att_view_denied(p_ws, p_actor, p_view, p_ip, p_rid);
    IF body IS NOT NULL THEN
        status := 403;
        RETURN;
    END IF;
    IF p_view = 'me' THEN
        PERFORM wos_att_autoclose_user(p_ws, p_actor, p_now);
    END IF;
    status := 200;
    WITH rows AS (
        SELECT * FROM wos_att_view_sessions(p_ws, p_actor, p_view, p_from, p_to, p_user, p_dept,
                                            p_class, p_mode)
    ), page AS (
        SELECT * FROM rows r ORDER BY r.check_in_at DESC, r.id LIMIT p_limit OFFSET p_offset
    )
    SELECT jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(wos_att_session_build(p::attendance_sessions,
                                                       u.full_name,
                                                       coalesce(br.all_breaks, '[]'::jsonb),
                                                       br.open_break)
                                                   ORDER BY p.check_in_at DESC, p.id)
                                    FROM page p
                                    LEFT JOIN users u ON u.id = p.user_id
                                    LEFT JOIN LATERAL (
                                        SELECT jsonb_agg(wos_att_break_json(b)
                                                         ORDER BY b.started_at, b.id)
                                                   AS all_breaks,
                                               (jsonb_agg(wos_att_break_json(b))
                                                    FILTER (WHERE b.ended_at IS NULL)) -> 0
                                                   AS open_break
                                          FROM attendance_breaks b
                                         WHERE b.workspace_id = p.workspace_id
                                           AND b.attendance_session_id = p.id) br ON true),
                                 '[]'::jsonb),
               'total', (SELECT count(*) FROM rows), 'limit', p_limit, 'offset', p_offset)::text
      INTO body;
END
$$;

-- Check-in / check-out helpers (same statements, now with cached plans).
CREATE OR REPLACE FUNCTION wos_att_lateness(p_at timestamptz, p_expected_start timestamptz,
    p_grace_minutes integer, OUT is_late boolean, OUT late_minutes integer)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    is_late := coalesce(p_at > p_expected_start
                               + make_interval(mins => coalesce(p_grace_minutes, 0)), false);
    late_minutes := CASE WHEN p_at > p_expected_start
                                     + make_interval(mins => coalesce(p_grace_minutes, 0))
                         THEN wos_att_minutes(p_expected_start, p_at) ELSE 0 END;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_settings(p_ws uuid, OUT full_leave_below integer,
    OUT half_day_below integer, OUT full_day_above integer, OUT max_active_hours integer,
    OUT auto_close_grace_minutes integer)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    WITH s AS (
        SELECT a.key, CASE WHEN a.value ~ '^-?[0-9]{1,9}$' THEN a.value::integer END AS v
          FROM application_settings a
         WHERE a.workspace_id = p_ws AND a.key LIKE 'attendance.%'
    )
    SELECT greatest(coalesce((SELECT v FROM s WHERE key = 'attendance.full_leave_below_minutes'), 60), 0),
           greatest(coalesce((SELECT v FROM s WHERE key = 'attendance.half_day_below_minutes'), 240), 0),
           greatest(coalesce((SELECT v FROM s WHERE key = 'attendance.full_day_above_minutes'), 360), 0),
           greatest(coalesce((SELECT v FROM s WHERE key = 'attendance.max_active_hours'), 16), 1),
           greatest(coalesce((SELECT v FROM s WHERE key = 'attendance.auto_close_grace_minutes'), 60), 0)
      INTO full_leave_below, half_day_below, full_day_above, max_active_hours,
           auto_close_grace_minutes;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_member_shift(p_ws uuid, p_user uuid, OUT shift_id uuid,
    OUT shift_name text, OUT start_time time, OUT end_time time, OUT tz text,
    OUT grace_minutes integer, OUT working_days text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    SELECT s.id, s.name::text, s.start_time, s.end_time, wos_att_zone(s.timezone, w.timezone),
           s.grace_period_minutes, s.working_days::text
      INTO shift_id, shift_name, start_time, end_time, tz, grace_minutes, working_days
      FROM workspaces w
      LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = p_user
      LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
     WHERE w.id = p_ws;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_finish(p_ws uuid, p_session uuid, p_out timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    UPDATE attendance_sessions s
       SET check_out_at = p_out, session_status = 'completed',
           worked_minutes = wos_att_minutes(s.check_in_at, p_out),
           total_hours = extract(epoch FROM p_out - s.check_in_at)::double precision / 3600,
           attendance_classification = wos_att_classify(wos_att_minutes(s.check_in_at, p_out),
               st.full_leave_below, st.half_day_below, st.full_day_above)
      FROM wos_att_settings(p_ws) st
     WHERE s.workspace_id = p_ws AND s.id = p_session;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_daily_stats(p_ws uuid, p_session uuid) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO daily_stats AS d (workspace_id, user_id, date, total_hours, is_late_login,
        is_early_logout, is_overtime, is_absent, is_wfh, primary_session_id)
    SELECT p_ws, s.user_id, s.business_date,
           coalesce(sum(o.total_hours) FILTER (WHERE o.session_status <> 'active'), 0),
           bool_or(o.is_late_login), bool_or(o.is_early_logout), bool_or(o.is_overtime), false,
           bool_or(o.work_mode = 'wfh'), s.id
      FROM attendance_sessions s
      JOIN attendance_sessions o ON o.workspace_id = s.workspace_id AND o.user_id = s.user_id
                                AND o.business_date = s.business_date
     WHERE s.workspace_id = p_ws AND s.id = p_session AND s.business_date IS NOT NULL
     GROUP BY s.user_id, s.business_date, s.id
    ON CONFLICT (workspace_id, user_id, date) DO UPDATE
       SET total_hours = EXCLUDED.total_hours, is_late_login = EXCLUDED.is_late_login,
           is_early_logout = EXCLUDED.is_early_logout, is_overtime = EXCLUDED.is_overtime,
           is_absent = false, is_wfh = EXCLUDED.is_wfh;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_window(p_date date, p_start time, p_end time, p_tz text,
    OUT start_at timestamptz, OUT end_at timestamptz)
LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN
    start_at := wos_att_local_instant(p_date + p_start, p_tz);
    end_at := wos_att_local_instant((p_date + CASE WHEN p_end <= p_start THEN 1 ELSE 0 END)
                                    + p_end, p_tz);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Leave
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION wos_leave_name(p_user uuid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT u.full_name::text FROM users u WHERE u.id = p_user), 'Unknown');
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_setting(p_ws uuid, p_key text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT s.value FROM application_settings s
             WHERE s.workspace_id = p_ws AND s.key = p_key);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_days(p_ws uuid, p_user uuid, p_from date, p_to date, p_half boolean)
RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    WITH wd AS (
        SELECT string_to_array(coalesce((SELECT s.working_days::text
                                            FROM memberships m
                                            JOIN shifts s ON s.workspace_id = m.workspace_id
                                                         AND s.id = m.shift_id
                                           WHERE m.workspace_id = p_ws AND m.user_id = p_user),
                                         '1,2,3,4,5'), ',') AS days
    )
    SELECT (count(*) * CASE WHEN p_half THEN 0.5 ELSE 1 END)::numeric(7, 1)
      FROM generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') AS g (d), wd
     WHERE extract(isodow FROM g.d)::text = ANY (wd.days)
       AND NOT EXISTS (SELECT 1 FROM holidays h
                        WHERE h.workspace_id = p_ws AND h.holiday_date = g.d::date AND h.is_active));
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_balance(p_ws uuid, p_user uuid, p_year integer, p_type text,
    p_exclude uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    WITH cfg AS (
        SELECT wos_leave_setting(p_ws, 'leave.entitlement_days.' || p_type)::numeric(7, 1)
                   AS entitled,
               coalesce(wos_leave_setting(p_ws, 'leave.allow_negative.' || p_type) = 'true',
                        false) AS allow_negative,
               coalesce((SELECT b.adjusted_days FROM leave_balances b
                          WHERE b.workspace_id = p_ws AND b.user_id = p_user
                            AND b.year = p_year AND b.leave_type = p_type), 0)::numeric(7, 1)
                   AS adjusted
    ), used AS (
        SELECT coalesce(sum(d.days) FILTER (WHERE l.status = 'approved'), 0)::numeric(7, 1)
                   AS taken,
               coalesce(sum(d.days) FILTER (WHERE l.status <> 'approved'), 0)::numeric(7, 1)
                   AS pending
          FROM leave_requests l
          CROSS JOIN LATERAL (SELECT wos_leave_days_in_year(p_ws, p_user, l.start_date,
                                                            l.end_date, l.is_half_day, p_year)
                                         AS days) d
         WHERE l.workspace_id = p_ws AND l.user_id = p_user AND l.leave_type = p_type
           AND l.status IN ('approved', 'pending', 'escalated', 'needs_clarification')
           AND l.start_date <= make_date(p_year, 12, 31)
           AND l.end_date >= make_date(p_year, 1, 1)
           AND l.id IS DISTINCT FROM p_exclude
    )
    SELECT jsonb_build_object('leave_type', p_type, 'year', p_year,
               'limited', cfg.entitled IS NOT NULL, 'entitled_days', cfg.entitled,
               'adjustment_days', cfg.adjusted, 'taken_days', used.taken,
               'pending_days', used.pending,
               'remaining_days', cfg.entitled + cfg.adjusted - used.taken - used.pending,
               'allow_negative', cfg.allow_negative)
      FROM cfg, used);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_route(p_ws uuid, p_user uuid) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce(
        (SELECT mm.user_id
           FROM memberships m
           JOIN memberships mm ON mm.workspace_id = m.workspace_id AND mm.user_id = m.manager_id
           JOIN users u ON u.id = mm.user_id
          WHERE m.workspace_id = p_ws AND m.user_id = p_user AND mm.user_id <> p_user
            AND mm.status = 'active' AND u.status = 'active'),
        wos_leave_first_active(p_ws, 'hr_operations', ARRAY[p_user]),
        wos_leave_first_active(p_ws, 'admin', ARRAY[p_user]));
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_first_active(p_ws uuid, p_role text, p_not uuid[]) RETURNS uuid
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    SELECT m.user_id
      FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND r.name = p_role AND m.status = 'active'
       AND u.status = 'active' AND NOT coalesce(m.user_id = ANY (p_not), false)
     ORDER BY m.created_at, m.user_id
     LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_timeline_add(p_ws uuid, p_id uuid, p_actor uuid, p_action text,
    p_comment text, p_at timestamptz DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO approval_timeline (workspace_id, entity_type, entity_id, actor_id, action,
        comment, created_at, updated_at)
    VALUES (p_ws, 'leave_request', p_id, p_actor, p_action, p_comment,
            coalesce(p_at, now()), coalesce(p_at, now()))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_notify(p_ws uuid, p_to uuid, p_title text, p_message text,
    p_id uuid)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
        related_entity_type, related_entity_id)
    SELECT p_ws, p_to, p_title, p_message, 'system', 'leave_request', p_id
     WHERE p_to IS NOT NULL;
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_lock(p_ws uuid, p_user uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1464816460, hashtext(p_ws::text || ':' || p_user::text));
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_mail(p_ws uuid, p_to uuid, p_template text, p_vars jsonb,
    p_key text)
RETURNS uuid
LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT wos_job_enqueue('email',
               jsonb_build_object('template', p_template, 'to', u.email,
                                  'to_name', u.full_name, 'vars', p_vars),
               p_key, p_ws)
      FROM users u WHERE u.id = p_to);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_overlap_refusal(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_half boolean, p_period text, p_exclude uuid)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (

    SELECT wos_leave_refusal(
               CASE WHEN NOT l.is_half_day AND NOT p_half
                        THEN format('You already have an approved or pending %s request '
                                    'covering these dates.', replace(l.leave_type, '_', ' '))
                    WHEN NOT l.is_half_day
                        THEN format('You already have an approved or pending %s request '
                                    'covering %s. Cannot submit a half-day on this date.',
                                    replace(l.leave_type, '_', ' '),
                                    to_char(p_start, 'YYYY-MM-DD'))
                    WHEN NOT p_half
                        THEN format('You already have a %s half-day request on %s. Cannot '
                                    'overlap with a full-day request.',
                                    replace(l.half_day_period, '_', ' '),
                                    to_char(l.start_date, 'YYYY-MM-DD'))
                    ELSE format('You already have a half-day request for %s (%s).',
                                to_char(l.start_date, 'YYYY-MM-DD'), l.half_day_period) END,
               'start_date',
               jsonb_build_object('conflicting_request', jsonb_build_object(
                   'id', l.id, 'leave_type', l.leave_type, 'start_date', l.start_date,
                   'end_date', l.end_date, 'is_half_day', l.is_half_day,
                   'half_day_period', l.half_day_period, 'status', l.status)))
      FROM leave_requests l
     WHERE l.workspace_id = p_ws AND l.user_id = p_user
       AND l.status IN ('pending', 'approved', 'escalated', 'needs_clarification')
       AND l.start_date <= p_end AND l.end_date >= p_start
       AND l.id IS DISTINCT FROM p_exclude
       AND NOT (l.is_half_day AND p_half AND l.half_day_period IS DISTINCT FROM p_period)
     ORDER BY l.start_date, l.created_at, l.id
     LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_create(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_type text, p_half boolean, p_period text, p_reason text, p_ip text, p_rid text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_half boolean := coalesce(p_half, false) OR p_type = 'half_day';
    v_period text := CASE WHEN coalesce(p_half, false) OR p_type = 'half_day' THEN p_period END;
    v_approver uuid;
    v_entry uuid;
    l leave_requests;
BEGIN
    body := wos_leave_invalid(p_start, p_end, v_half, v_period, p_reason);
    IF body IS NOT NULL THEN
        status := 422;
        RETURN;
    END IF;
    PERFORM wos_leave_lock(p_ws, p_user);
    body := coalesce(wos_leave_overlap_refusal(p_ws, p_user, p_start, p_end, v_half, v_period,
                                               NULL),
                     wos_leave_balance_refusal(p_ws, p_user, p_type, p_start, p_end, v_half,
                                               NULL));
    IF body IS NOT NULL THEN
        status := 409;
        RETURN;
    END IF;
    v_approver := wos_leave_route(p_ws, p_user);
    IF v_approver IS NULL THEN
        status := 422;
        body := wos_leave_refusal('No reporting manager or system administrator assigned to '
                                  'handle your request. Please contact HR.');
        RETURN;
    END IF;

    INSERT INTO leave_requests (workspace_id, user_id, start_date, end_date, leave_type,
        is_half_day, half_day_period, reason, current_approver_id)
    VALUES (p_ws, p_user, p_start, p_end, p_type, v_half, v_period,
            btrim(p_reason, E' \t\r\n'), v_approver)
    RETURNING * INTO l;
    v_entry := wos_leave_timeline_add(p_ws, l.id, p_user, 'created',
                                      'Request submitted for ' || p_type);
    PERFORM wos_leave_notify(p_ws, v_approver, 'Leave request submitted',
        wos_leave_name(p_user) || ' submitted a leave request for your approval.', l.id);
    PERFORM wos_leave_mail_pending(l, 'leave:' || v_entry);
    status := 201;
    body := wos_leave_json(l)::text;
    -- last: the audit chain's workspace lock is held from here to commit
    PERFORM wos_audit_append(p_ws, p_user, 'leave.created', 'leave_request', l.id,
        wos_leave_name(p_user), NULL, wos_leave_audit_state(l), NULL, p_ip, p_rid);
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_cancel(p_ws uuid, p_actor uuid, p_id uuid, p_ip text, p_rid text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    l leave_requests;
    v_old leave_requests;
BEGIN
    SELECT * INTO l FROM leave_requests x
     WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT wos_leave_visible(p_ws, p_actor, l) THEN
        status := 404;
        body := wos_leave_refusal('Request not found');
        RETURN;
    END IF;
    IF l.user_id <> p_actor THEN
        status := 403;
        body := wos_leave_refusal('Cannot cancel other''s requests');
        RETURN;
    END IF;
    IF l.status <> 'pending' THEN
        status := 400;
        body := wos_leave_refusal('Only pending requests can be cancelled');
        RETURN;
    END IF;
    v_old := l;
    UPDATE leave_requests x SET status = 'cancelled'
     WHERE x.workspace_id = p_ws AND x.id = l.id
    RETURNING * INTO l;
    PERFORM wos_leave_timeline_add(p_ws, l.id, p_actor, 'cancelled', 'Cancelled by requester');
    PERFORM wos_leave_notify(p_ws, l.current_approver_id, 'Leave request cancelled',
        wos_leave_name(p_actor) || ' cancelled their leave request.', l.id);
    status := 200;
    body := wos_leave_json(l)::text;
    -- last: the audit chain's workspace lock is held from here to commit
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.cancelled', 'leave_request', l.id,
        wos_leave_name(p_actor), wos_leave_audit_state(v_old), wos_leave_audit_state(l), NULL,
        p_ip, p_rid);
END
$$;

-- A request's representation with its balance given (the list computes each balance once).
CREATE FUNCTION wos_leave_json_with(l leave_requests, p_balance jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', l.id, 'user_id', l.user_id, 'user_full_name', wos_leave_name(l.user_id),
        'start_date', l.start_date, 'end_date', l.end_date, 'leave_type', l.leave_type,
        'status', l.status, 'is_half_day', l.is_half_day, 'half_day_period', l.half_day_period,
        'reason', l.reason, 'manager_comment', l.manager_comment,
        'current_approver_id', l.current_approver_id,
        'current_approver_name', CASE WHEN l.current_approver_id IS NOT NULL
                                      THEN wos_leave_name(l.current_approver_id) END,
        'escalated_from_id', l.escalated_from_id,
        'escalated_from_name', CASE WHEN l.escalated_from_id IS NOT NULL
                                    THEN wos_leave_name(l.escalated_from_id) END,
        'escalated_at', wos_utc_text(l.escalated_at), 'escalation_count', l.escalation_count,
        'days', wos_leave_days(l.workspace_id, l.user_id, l.start_date, l.end_date,
                               l.is_half_day),
        'balance', p_balance,
        'created_at', wos_utc_text(l.created_at), 'updated_at', wos_utc_text(l.updated_at))
$$;

CREATE OR REPLACE FUNCTION wos_leave_json(l leave_requests) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT wos_leave_json_with(l, wos_leave_balance(l.workspace_id, l.user_id,
                                                    extract(year FROM l.start_date)::integer,
                                                    l.leave_type))
$$;

-- The items of a page of requests, in the order given, each balance computed once per member,
-- year and type.
CREATE FUNCTION wos_leave_items(p_page leave_requests[], p_actor uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    WITH page AS (
        SELECT p_page[i] AS r, i AS n FROM generate_subscripts(p_page, 1) AS i
    ), bal AS (
        SELECT k.*, wos_leave_balance(k.ws, k.uid, k.y, k.t) AS b
          FROM (SELECT DISTINCT (p.r).workspace_id AS ws, (p.r).user_id AS uid,
                       extract(year FROM (p.r).start_date)::integer AS y,
                       (p.r).leave_type::text AS t
                  FROM page p) k
    )
    SELECT coalesce(jsonb_agg(wos_leave_json_with(p.r, b.b)
                              || CASE WHEN p_actor IS NOT NULL
                                      THEN jsonb_build_object('available_actions',
                                               wos_leave_actions((p.r).workspace_id, p_actor,
                                                                 p.r))
                                      ELSE '{}'::jsonb END
                              ORDER BY p.n), '[]'::jsonb)
      FROM page p
      JOIN bal b ON b.ws = (p.r).workspace_id AND b.uid = (p.r).user_id
                AND b.y = extract(year FROM (p.r).start_date)::integer
                AND b.t = (p.r).leave_type::text);
END
$$;

-- GET /leaves: the rows filtered once (the page and the total from one scan).
CREATE OR REPLACE FUNCTION wos_leave_list(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_page leave_requests[];
    v_total bigint;
BEGIN
    IF p_user IS NOT NULL AND NOT wos_leave_in_scope(p_ws, p_actor, p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    WITH f AS (
        SELECT * FROM wos_leave_filtered(p_ws, p_actor, p_status, p_user, p_from, p_to, p_type)
    )
    SELECT ARRAY(SELECT x FROM f x ORDER BY x.start_date DESC, x.created_at DESC, x.id
                  LIMIT p_limit OFFSET p_offset),
           (SELECT count(*) FROM f)
      INTO v_page, v_total;
    status := 200;
    body := jsonb_build_object('items', wos_leave_items(v_page), 'total', v_total,
                               'limit', p_limit, 'offset', p_offset)::text;
END
$$;

-- The requests of the caller's scope matching the filters (a range intersecting [p_from, p_to]).
CREATE OR REPLACE FUNCTION wos_leave_filtered(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text)
RETURNS SETOF leave_requests
LANGUAGE sql STABLE AS $$
    SELECT l.*
      FROM leave_requests l
     WHERE l.workspace_id = p_ws
       AND l.user_id = ANY (coalesce((SELECT wos_scope_of(p_ws, p_actor, 'leave.view_org')),
                                     ARRAY[l.user_id]))
       AND (p_status IS NULL OR l.status = p_status)
       AND (p_user IS NULL OR l.user_id = p_user)
       AND (p_from IS NULL OR l.end_date >= p_from)
       AND (p_to IS NULL OR l.start_date <= p_to)
       AND (p_type IS NULL OR l.leave_type = p_type)
$$;

CREATE OR REPLACE FUNCTION wos_leave_visible(p_ws uuid, p_actor uuid, l leave_requests) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN l.user_id = p_actor
        OR l.current_approver_id IS NOT DISTINCT FROM p_actor
        OR l.escalated_from_id IS NOT DISTINCT FROM p_actor
        OR wos_leave_in_scope(p_ws, p_actor, l.user_id)
        OR EXISTS (SELECT 1 FROM approval_timeline t
                    WHERE t.workspace_id = p_ws AND t.entity_type = 'leave_request'
                      AND t.entity_id = l.id AND t.actor_id = p_actor);
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Paged queues: limit/offset and total, like GET /users (new overloads; the old signatures stay
-- for a binary of the previous release during a rolling deploy)
-- ---------------------------------------------------------------------------------------------

-- GET /leaves/me: {items, total, limit, offset}, newest first.
CREATE FUNCTION wos_leave_mine(p_ws uuid, p_actor uuid, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_page leave_requests[];
BEGIN
    v_page := ARRAY(SELECT l FROM leave_requests l
                     WHERE l.workspace_id = p_ws AND l.user_id = p_actor
                     ORDER BY l.created_at DESC, l.id LIMIT p_limit OFFSET p_offset);
    status := 200;
    body := jsonb_build_object('items', wos_leave_items(v_page),
                'total', (SELECT count(*) FROM leave_requests l
                           WHERE l.workspace_id = p_ws AND l.user_id = p_actor),
                'limit', p_limit, 'offset', p_offset)::text;
END
$$;

-- GET /leaves/pending (05 §3): admin/HR every undecided request but their own; others the
-- undecided requests they are the current approver of. Newest first, paged.
CREATE FUNCTION wos_leave_pending(p_ws uuid, p_actor uuid, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_all boolean := wos_leave_is_admin_hr(p_ws, p_actor);
    v_page leave_requests[];
    v_total bigint;
BEGIN
    WITH f AS (
        SELECT l.* FROM leave_requests l
         WHERE l.workspace_id = p_ws
           AND l.status IN ('pending', 'escalated', 'needs_clarification')
           AND ((v_all AND l.user_id <> p_actor) OR l.current_approver_id = p_actor)
    )
    SELECT ARRAY(SELECT x FROM f x ORDER BY x.created_at DESC, x.id
                  LIMIT p_limit OFFSET p_offset),
           (SELECT count(*) FROM f)
      INTO v_page, v_total;
    status := 200;
    body := jsonb_build_object('items', wos_leave_items(v_page, p_actor), 'total', v_total,
                               'limit', p_limit, 'offset', p_offset)::text;
END
$$;

-- GET /attendance/corrections/pending, paged: {items, total, limit, offset}.
CREATE FUNCTION wos_attendance_corrections_pending(p_ws uuid, p_actor uuid, p_ip text,
    p_rid text, p_limit integer, p_offset integer, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := wos_att_role(p_ws, p_actor);
BEGIN
    IF v_role NOT IN ('admin', 'hr_operations', 'manager', 'team_lead') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.pending_corrections_denied', 'user',
            p_actor, NULL, NULL, NULL, jsonb_build_object('role', v_role), p_ip, p_rid);
        status := 403;
        body := wos_att_refusal('Only managers, team leads, HR or administrators can view '
                                'pending corrections.');
        RETURN;
    END IF;
    status := 200;
    WITH rows AS (
        SELECT a, c
          FROM attendance_sessions a
          JOIN wos_att_scope(p_ws, p_actor) v ON v.user_id = a.user_id
          LEFT JOIN attendance_corrections c
                 ON c.workspace_id = a.workspace_id AND c.session_id = a.id
                AND c.status IN ('pending', 'needs_clarification')
         WHERE a.workspace_id = p_ws AND a.correction_requested
    ), page AS (
        SELECT r.a, r.c FROM rows r
         ORDER BY (r.c).created_at DESC, (r.a).id LIMIT p_limit OFFSET p_offset
    )
    SELECT jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(wos_att_session_json(p.a)
                                                   || jsonb_build_object('correction',
                                                          wos_att_correction_json(p.c))
                                                   ORDER BY (p.c).created_at DESC, (p.a).id)
                                    FROM page p), '[]'::jsonb),
               'total', (SELECT count(*) FROM rows), 'limit', p_limit, 'offset', p_offset)::text
      INTO body;
END
$$;

-- GET /attendance/exceptions, paged: the previous answer (whose summary counts every
-- matching exception) with `exceptions` cut to the page and total, limit and offset added.
CREATE FUNCTION wos_attendance_exceptions(p_ws uuid, p_actor uuid, p_date date, p_start date,
    p_end date, p_status text, p_type text, p_user uuid, p_dept uuid, p_search text,
    p_limit integer, p_offset integer, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v jsonb;
BEGIN
    SELECT r.status, r.body INTO status, body
      FROM wos_attendance_exceptions(p_ws, p_actor, p_date, p_start, p_end, p_status, p_type,
                                     p_user, p_dept, p_search, p_now) r;
    IF status <> 200 THEN
        RETURN;
    END IF;
    v := body::jsonb;
    body := (v || jsonb_build_object(
                'exceptions', coalesce((SELECT jsonb_agg(e.item ORDER BY e.n)
                                          FROM jsonb_array_elements(v -> 'exceptions')
                                               WITH ORDINALITY AS e (item, n)
                                         WHERE e.n > p_offset AND e.n <= p_offset + p_limit),
                                       '[]'::jsonb),
                'total', jsonb_array_length(v -> 'exceptions'),
                'limit', p_limit, 'offset', p_offset))::text;
END
$$;

-- GET /approvals, paged: the previous answer (summary and counts over every matching item)
-- with `items` cut to [offset, offset + limit) and total, limit and offset added.
CREATE FUNCTION wos_approvals_pending(p_ws uuid, p_actor uuid, p_type text, p_status text,
    p_from date, p_to date, p_search text, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v jsonb;
BEGIN
    SELECT r.status, r.body INTO status, body
      FROM wos_approvals_pending(p_ws, p_actor, p_type, p_status, p_from, p_to, p_search,
                                 p_limit + p_offset) r;
    IF status <> 200 THEN
        RETURN;
    END IF;
    v := body::jsonb;
    body := (v || jsonb_build_object(
                'items', coalesce((SELECT jsonb_agg(e.item ORDER BY e.n)
                                     FROM jsonb_array_elements(v -> 'items')
                                          WITH ORDINALITY AS e (item, n)
                                    WHERE e.n > p_offset), '[]'::jsonb),
                'total', v -> 'summary' -> 'total',
                'limit', p_limit, 'offset', p_offset))::text;
END
$$;
