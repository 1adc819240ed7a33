-- message: people and organisation: members, org, roles, settings, audit, announcements, alerts
--
-- The routes of src/modules/users, org, rbac and governance are each one call of one function
-- here; the function checks scope and business rules, writes the change and its audit row in
-- the same transaction, and builds the response JSON.
--
-- Writes (and single-object reads) return an outcome object, as the auth functions do:
--   {"status": <http status>, "body": <response>}               on success
--   {"status": <4xx>, "message": "...", "field": "<name>"?}     on refusal
-- Refusals never RAISE, so an audit row written for a denied attempt commits with the answer.
-- Lists return their response JSON directly.
--
-- Member scope (spec 03 §3.2-3.3 and the product decisions there): admin, HR, and anyone
-- holding users.view_all see the whole workspace; a manager sees the whole chain below them
-- (recursive); a team lead their direct reports; everyone else themself. Outside the scope a
-- member does not exist (404). Changes to roles, statuses and managers of one workspace are
-- serialised by a transaction advisory lock (namespace 1464816461 = 'WOSM'), so the last-admin
-- count and the cycle check cannot race.
--
-- A role counts as a management role (eligible as manager or department head) when its rank is
-- at least team_lead's (3): admin, hr_operations, manager, team_lead, and custom roles so ranked.

-- ---------------------------------------------------------------------------------------------
-- Audit log: the application's own role may only read and append
-- ---------------------------------------------------------------------------------------------

-- The application connects as the table owner; revoking from the owner works in PostgreSQL, and
-- the immutability trigger of 0001 stays as the second line.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM CURRENT_USER;

-- ---------------------------------------------------------------------------------------------
-- Shared helpers
-- ---------------------------------------------------------------------------------------------

-- s with LIKE's wildcards escaped, for "contains" searches.
CREATE FUNCTION wos_like_escape(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(s, '\', '\\'), '%', '\%'), '_', '\_')
$$;

-- The keys of p_keys present in p_obj, with their values.
CREATE FUNCTION wos_jsonb_pick(p_obj jsonb, p_keys text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, p_obj -> k), '{}'::jsonb)
      FROM unnest(p_keys) AS k
     WHERE p_obj ? k
$$;

CREATE FUNCTION wos_refusal(p_status integer, p_message text, p_field text DEFAULT NULL)
RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_field IS NULL
                THEN json_build_object('status', p_status, 'message', p_message)
                ELSE json_build_object('status', p_status, 'message', p_message, 'field', p_field)
           END
$$;

CREATE FUNCTION wos_ok(p_body json, p_status integer DEFAULT 200) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('status', p_status, 'body', p_body)
$$;

-- Role of a member: name, rank and id (NULLs when not a member).
CREATE FUNCTION wos_member_role(p_ws uuid, p_user uuid, OUT name text, OUT rank integer,
    OUT role_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT r.name, r.rank::integer, r.id
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE FUNCTION wos_member_can(p_ws uuid, p_user uuid, p_perm text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(wos_has_permission(p_ws, p_user, m.role_id, p_perm), false)
      FROM memberships m WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

-- ---------------------------------------------------------------------------------------------
-- Member scope
-- ---------------------------------------------------------------------------------------------

-- 'all', 'chain' (manager: every report, direct or not), 'direct' (team lead) or 'self'.
CREATE FUNCTION wos_member_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.name IN ('admin', 'hr_operations')
                  OR wos_has_permission(p_ws, p_actor, r.id, 'users.view_all') THEN 'all'
                WHEN r.name = 'manager' THEN 'chain'
                WHEN r.name = 'team_lead' THEN 'direct'
                ELSE 'self' END
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor
$$;

-- The members p_actor may see (themself included). UNION (not ALL) in the recursion keeps a
-- reporting cycle, should one ever exist, from looping.
CREATE FUNCTION wos_member_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE k AS (
        SELECT wos_member_scope_kind(p_ws, p_actor) AS kind
    ), below (uid) AS (
        SELECT m.user_id FROM memberships m CROSS JOIN k
         WHERE m.workspace_id = p_ws AND m.manager_id = p_actor AND k.kind IN ('chain', 'direct')
        UNION
        SELECT m.user_id
          FROM below b
          JOIN memberships m ON m.workspace_id = p_ws AND m.manager_id = b.uid
          CROSS JOIN k
         WHERE k.kind = 'chain'
    )
    SELECT m.user_id FROM memberships m CROSS JOIN k
     WHERE m.workspace_id = p_ws AND k.kind = 'all'
    UNION
    SELECT m.user_id FROM memberships m WHERE m.workspace_id = p_ws AND m.user_id = p_actor
    UNION
    SELECT b.uid FROM below b
$$;

CREATE FUNCTION wos_member_in_scope(p_ws uuid, p_actor uuid, p_target uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE wos_member_scope_kind(p_ws, p_actor)
               WHEN 'all' THEN EXISTS (SELECT 1 FROM memberships m
                                        WHERE m.workspace_id = p_ws AND m.user_id = p_target)
               WHEN 'self' THEN p_target = p_actor
               ELSE EXISTS (SELECT 1 FROM wos_member_scope(p_ws, p_actor) s
                             WHERE s.user_id = p_target) END
$$;

-- ---------------------------------------------------------------------------------------------
-- Members: reads
-- ---------------------------------------------------------------------------------------------

-- GET /users: the caller's scope, filtered, sorted and paged: {items: UserRead[], total, limit,
-- offset}. p_sort is one of full_name, email, role, status, department_name, created_at.
CREATE FUNCTION wos_members_list(p_ws uuid, p_actor uuid, p_role text, p_department_id uuid,
    p_shift_id uuid, p_manager_id uuid, p_status text, p_department text, p_search text,
    p_sort text, p_desc boolean, p_limit integer, p_offset integer, p_online_ttl integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT m.user_id, u.full_name, m.created_at,
               CASE p_sort WHEN 'email' THEN u.email WHEN 'role' THEN r.name
                           WHEN 'status' THEN m.status
                           WHEN 'department_name' THEN lower(coalesce(d.name, m.department))
                           ELSE lower(u.full_name) END AS sort_key
          FROM wos_member_scope(p_ws, p_actor) s
          JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = s.user_id
          JOIN users u ON u.id = m.user_id
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE (p_role IS NULL OR r.name = p_role)
           AND (p_department_id IS NULL OR m.department_id = p_department_id)
           AND (p_shift_id IS NULL OR m.shift_id = p_shift_id)
           AND (p_manager_id IS NULL OR m.manager_id = p_manager_id)
           AND (p_status IS NULL OR m.status = p_status)
           AND (p_department IS NULL OR m.department = p_department)
           AND (p_search IS NULL
                OR u.full_name ILIKE '%' || wos_like_escape(p_search) || '%'
                OR u.email ILIKE '%' || wos_like_escape(p_search) || '%')
    ), page AS (
        SELECT f.user_id,
               row_number() OVER (ORDER BY
                   CASE WHEN p_sort = 'created_at' AND NOT p_desc THEN f.created_at END,
                   CASE WHEN p_sort = 'created_at' AND p_desc THEN f.created_at END DESC,
                   CASE WHEN p_sort <> 'created_at' AND NOT p_desc THEN f.sort_key END,
                   CASE WHEN p_sort <> 'created_at' AND p_desc THEN f.sort_key END DESC,
                   lower(f.full_name), f.user_id) AS n
          FROM found f
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_user_read(p_ws, p.user_id, p_online_ttl)
                                           ORDER BY p.n)
                             FROM (SELECT * FROM page ORDER BY n LIMIT p_limit OFFSET p_offset) p),
                          '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /users/directory: active members for pickers, name, role and department only.
CREATE FUNCTION wos_members_directory(p_ws uuid, p_search text, p_role text, p_limit integer,
    p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT u.id, u.full_name, r.name AS role, r.label AS role_label, m.department_id,
               coalesce(d.name, CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                                     THEN NULL ELSE m.department END) AS department_name
          FROM memberships m
          JOIN users u ON u.id = m.user_id
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE m.workspace_id = p_ws AND m.status = 'active' AND u.status = 'active'
           AND (p_role IS NULL OR r.name = p_role)
           AND (p_search IS NULL OR u.full_name ILIKE '%' || wos_like_escape(p_search) || '%')
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(json_build_object(
                                     'id', p.id, 'full_name', p.full_name, 'role', p.role,
                                     'role_label', p.role_label, 'department_id', p.department_id,
                                     'department_name', p.department_name)
                                   ORDER BY lower(p.full_name), p.id)
                             FROM (SELECT * FROM found ORDER BY lower(full_name), id
                                   LIMIT p_limit OFFSET p_offset) p), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- GET /users/{id}
CREATE FUNCTION wos_member_get(p_ws uuid, p_actor uuid, p_target uuid, p_online_ttl integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN wos_member_in_scope(p_ws, p_actor, p_target)
                THEN wos_ok(wos_user_read(p_ws, p_target, p_online_ttl))
                ELSE wos_refusal(404, 'User not found') END
$$;

-- ---------------------------------------------------------------------------------------------
-- Members: changes
-- ---------------------------------------------------------------------------------------------

-- The nine editable fields of a member, as stored (the audit's old/new values).
CREATE FUNCTION wos_member_snapshot(p_ws uuid, p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('full_name', u.full_name, 'phone', u.phone,
               'department', m.department, 'department_id', m.department_id,
               'shift_id', m.shift_id, 'designation', m.designation,
               'manager_id', m.manager_id, 'status', m.status, 'role', r.name)
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

-- Why p_manager cannot manage p_user (a refusal), or NULL. A cycle is 409 (product decision).
CREATE FUNCTION wos_member_manager_problem(p_ws uuid, p_user uuid, p_manager uuid)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_status text;
    v_rank integer;
BEGIN
    IF p_manager = p_user THEN
        RETURN wos_refusal(400, 'A user cannot be their own reporting manager');
    END IF;
    SELECT m.status, r.rank INTO v_status, v_rank
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_manager;
    IF NOT FOUND THEN
        RETURN wos_refusal(400, 'Manager not found');
    END IF;
    IF v_status NOT IN ('active', 'invited') THEN
        RETURN wos_refusal(400, 'Cannot assign an inactive manager');
    END IF;
    IF v_rank < 3 THEN
        RETURN wos_refusal(400, 'Selected user does not have a management role');
    END IF;
    IF EXISTS (WITH RECURSIVE up (uid) AS (
                   SELECT p_manager
                   UNION
                   SELECT m.manager_id
                     FROM up JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = up.uid
                    WHERE m.manager_id IS NOT NULL)
               SELECT 1 FROM up WHERE up.uid = p_user) THEN
        RETURN wos_refusal(409, 'Circular reporting chain detected');
    END IF;
    RETURN NULL;
END
$$;

-- Last-admin and self-lockout rules (spec 03 §3.9) for a change of p_target's role to p_new_role
-- and/or status to p_new_status (NULL: unchanged). A refusal, or NULL when allowed.
CREATE FUNCTION wos_member_guard(p_ws uuid, p_actor uuid, p_target uuid, p_new_role text,
    p_new_status text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_role text;
    v_status text;
    v_actor_role text := (wos_member_role(p_ws, p_actor)).name;
    v_disables boolean := coalesce(p_new_status IN ('inactive', 'suspended'), false);
    v_demotes boolean := coalesce(p_new_role <> 'admin', false);
BEGIN
    SELECT r.name, m.status INTO v_role, v_status
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_target;
    IF v_role = 'admin' AND v_status IN ('active', 'invited') AND (v_demotes OR v_disables)
       AND (SELECT count(*)
              FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id
                                             AND r.id = m.role_id
             WHERE m.workspace_id = p_ws AND r.name = 'admin'
               AND m.status IN ('active', 'invited')) <= 1 THEN
        RETURN wos_refusal(409, 'Cannot remove or deactivate the last administrator account');
    END IF;
    IF p_target = p_actor AND v_actor_role = 'admin' AND (v_demotes OR v_disables) THEN
        RETURN wos_refusal(400,
            'You cannot demote, deactivate or suspend your own administrator account');
    END IF;
    IF p_target = p_actor AND v_disables AND NOT EXISTS (
        SELECT 1
          FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
         WHERE m.workspace_id = p_ws AND m.user_id <> p_actor
           AND r.name IN ('admin', 'hr_operations') AND m.status IN ('active', 'invited')) THEN
        RETURN wos_refusal(400,
            'You cannot deactivate your account while you are the only admin/HR operator');
    END IF;
    RETURN NULL;
END
$$;

-- Revokes the member's open sign-in sessions in this workspace; their access tokens stop at the
-- next request. Returns how many were revoked.
CREATE FUNCTION wos_member_revoke_sessions(p_ws uuid, p_user uuid, p_status text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE auth_sessions s
       SET revoked_at = now(),
           revoked_reason = CASE WHEN p_status = 'suspended' THEN 'suspended' ELSE 'revoked' END
     WHERE s.user_id = p_user AND s.workspace_id = p_ws AND s.revoked_at IS NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- PATCH /users/{id} (spec 03 §3.5). p_body is the validated request body; only its keys are
-- "requested fields". Who: admin and HR (HR never the role, unless granted users.manage_roles)
-- or the member themself (name and phone). Status inactive needs users.deactivate, suspended
-- users.suspend (admin always). A non-admin never changes the role or status of a member ranked
-- at or above their own, nor assigns such a role. Refusals of who/what are audited.
CREATE FUNCTION wos_member_update(p_ws uuid, p_actor uuid, p_target uuid, p_body jsonb,
    p_online_ttl integer, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_keys text[] := ARRAY(SELECT jsonb_object_keys(p_body) ORDER BY 1);
    v_all text[] := ARRAY['full_name', 'phone', 'department', 'department_id', 'shift_id',
                          'designation', 'manager_id', 'status', 'role'];
    v_sensitive text[] := ARRAY['role', 'status', 'manager_id', 'department_id', 'shift_id',
                                'department', 'designation'];
    v_allowed text[];
    v_forbidden text[];
    a record;
    t memberships%ROWTYPE;
    t_name text;
    t_role record;
    v_new_name text;
    v_new_rank integer;
    v_new_role uuid;
    v_status text;
    v_manager uuid;
    v_dept_id uuid;
    v_dept_text text;
    v_shift uuid;
    v_before jsonb;
    v_after jsonb;
    v_refusal json;
    v_revoked integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(1464816461, hashtext(p_ws::text));
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    SELECT * INTO t FROM memberships m
     WHERE m.workspace_id = p_ws AND m.user_id = p_target FOR UPDATE;
    IF NOT FOUND OR NOT wos_member_in_scope(p_ws, p_actor, p_target) THEN
        RETURN wos_refusal(404, 'User not found');
    END IF;
    SELECT u.full_name INTO t_name FROM users u WHERE u.id = p_target;
    SELECT * INTO t_role FROM wos_member_role(p_ws, p_target);

    IF p_target <> p_actor AND a.name NOT IN ('admin', 'hr_operations') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'user.update_denied', 'user', p_target, t_name,
            NULL, jsonb_build_object('requested_fields', to_jsonb(v_keys)), NULL, p_ip,
            p_request_id);
        RETURN wos_refusal(403, 'You are not authorized to update this user.');
    END IF;

    v_allowed := CASE
        WHEN a.name = 'admin' THEN v_all
        WHEN a.name = 'hr_operations' AND wos_has_permission(p_ws, p_actor, a.role_id,
                                                             'users.manage_roles') THEN v_all
        WHEN a.name = 'hr_operations' THEN array_remove(v_all, 'role')
        ELSE ARRAY['full_name', 'phone'] END;
    IF a.name <> 'admin' AND (
           (p_body ->> 'status' = 'inactive'
            AND NOT wos_has_permission(p_ws, p_actor, a.role_id, 'users.deactivate'))
        OR (p_body ->> 'status' = 'suspended'
            AND NOT wos_has_permission(p_ws, p_actor, a.role_id, 'users.suspend'))) THEN
        v_allowed := array_remove(v_allowed, 'status');
    END IF;
    v_forbidden := ARRAY(SELECT k FROM unnest(v_keys) AS k WHERE k <> ALL (v_allowed) ORDER BY 1);
    IF cardinality(v_forbidden) > 0 THEN
        IF v_keys && v_sensitive THEN
            PERFORM wos_audit_append(p_ws, p_actor, 'user.update_fields_denied', 'user', p_target,
                t_name, NULL, jsonb_build_object('requested_fields', to_jsonb(v_keys),
                                                 'forbidden_fields', to_jsonb(v_forbidden)),
                NULL, p_ip, p_request_id);
        END IF;
        RETURN wos_refusal(403, 'Not authorized to update one or more requested fields.');
    END IF;
    IF cardinality(v_keys) = 0 THEN
        RETURN wos_ok(wos_user_read(p_ws, p_target, p_online_ttl));
    END IF;
    v_before := wos_member_snapshot(p_ws, p_target);

    v_new_name := t_role.name;
    v_new_rank := t_role.rank;
    v_new_role := t_role.role_id;
    IF p_body ? 'role' THEN
        SELECT r.name, r.rank, r.id INTO v_new_name, v_new_rank, v_new_role
          FROM roles r WHERE r.workspace_id = p_ws AND r.name = p_body ->> 'role';
        IF NOT FOUND THEN
            RETURN wos_refusal(422, 'Unknown role.', 'role');
        END IF;
        IF a.name <> 'admin' AND v_new_name <> t_role.name
           AND (v_new_rank >= a.rank OR t_role.rank >= a.rank) THEN
            RETURN wos_refusal(403, 'Cannot assign a role equal to or higher than your own');
        END IF;
    END IF;
    v_status := coalesce(p_body ->> 'status', t.status);
    IF a.name <> 'admin' AND p_target <> p_actor AND v_status <> t.status
       AND t_role.rank >= a.rank THEN
        RETURN wos_refusal(403,
            'You cannot change the status of a member ranked at or above your own role.');
    END IF;
    v_refusal := wos_member_guard(p_ws, p_actor, p_target,
        CASE WHEN v_new_name <> t_role.name THEN v_new_name END,
        CASE WHEN v_status <> t.status THEN v_status END);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;

    v_manager := t.manager_id;
    IF p_body ? 'manager_id' THEN
        v_manager := (p_body ->> 'manager_id')::uuid;
        IF v_manager IS NOT NULL AND v_manager IS DISTINCT FROM t.manager_id THEN
            v_refusal := wos_member_manager_problem(p_ws, p_target, v_manager);
            IF v_refusal IS NOT NULL THEN
                RETURN v_refusal;
            END IF;
        END IF;
    END IF;

    v_dept_id := t.department_id;
    v_dept_text := t.department;
    IF p_body ? 'department_id' THEN
        v_dept_id := (p_body ->> 'department_id')::uuid;
        v_dept_text := NULL;
        IF v_dept_id IS NOT NULL THEN
            SELECT d.name INTO v_dept_text FROM departments d
             WHERE d.workspace_id = p_ws AND d.id = v_dept_id;
            IF NOT FOUND THEN
                RETURN wos_refusal(400, 'Department not found');
            END IF;
        END IF;
    ELSIF p_body ? 'department' THEN
        -- the legacy text names a department: keep the two in step
        v_dept_text := nullif(btrim(p_body ->> 'department'), '');
        SELECT d.id INTO v_dept_id FROM departments d
         WHERE d.workspace_id = p_ws AND lower(d.name) = lower(v_dept_text);
        IF NOT FOUND THEN
            v_dept_id := NULL;
        END IF;
    END IF;

    v_shift := t.shift_id;
    IF p_body ? 'shift_id' THEN
        v_shift := (p_body ->> 'shift_id')::uuid;
        IF v_shift IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM shifts s WHERE s.workspace_id = p_ws AND s.id = v_shift) THEN
            RETURN wos_refusal(400, 'Shift not found');
        END IF;
    END IF;

    IF p_body ? 'full_name' OR p_body ? 'phone' THEN
        UPDATE users u
           SET full_name = CASE WHEN p_body ? 'full_name' THEN btrim(p_body ->> 'full_name')
                                ELSE u.full_name END,
               phone = CASE WHEN p_body ? 'phone' THEN nullif(btrim(p_body ->> 'phone'), '')
                            ELSE u.phone END
         WHERE u.id = p_target;
    END IF;
    UPDATE memberships m
       SET role_id = v_new_role, status = v_status, manager_id = v_manager,
           department = v_dept_text, department_id = v_dept_id, shift_id = v_shift,
           designation = CASE WHEN p_body ? 'designation'
                              THEN nullif(btrim(p_body ->> 'designation'), '')
                              ELSE m.designation END,
           joined_at = CASE WHEN v_status = 'active' THEN coalesce(m.joined_at, now())
                            ELSE m.joined_at END
     WHERE m.workspace_id = p_ws AND m.user_id = p_target;
    IF v_status IN ('inactive', 'suspended') THEN
        v_revoked := wos_member_revoke_sessions(p_ws, p_target, v_status);
    END IF;

    v_after := wos_member_snapshot(p_ws, p_target);
    IF wos_jsonb_pick(v_before, v_keys) <> wos_jsonb_pick(v_after, v_keys) THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'USER_UPDATED', 'user', p_target,
            v_after ->> 'full_name', wos_jsonb_pick(v_before, v_keys),
            wos_jsonb_pick(v_after, v_keys),
            CASE WHEN v_revoked > 0 THEN jsonb_build_object('sessions_revoked', v_revoked) END,
            p_ip, p_request_id);
    END IF;
    RETURN wos_ok(wos_user_read(p_ws, p_target, p_online_ttl));
END
$$;

-- Suspend, deactivate (DELETE /users/{id}) and activate (spec 03 §3.8). The route's permission
-- was checked by the dispatcher; here: scope (404), rank (a non-admin never acts on a member
-- ranked at or above them), last admin (409), self-lockout (400). Disabling revokes the
-- member's sessions in this workspace.
CREATE FUNCTION wos_member_set_status(p_ws uuid, p_actor uuid, p_target uuid, p_status text,
    p_reason text, p_online_ttl integer, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    t_role record;
    v_old text;
    v_name text;
    v_refusal json;
    v_revoked integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(1464816461, hashtext(p_ws::text));
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    SELECT m.status INTO v_old FROM memberships m
     WHERE m.workspace_id = p_ws AND m.user_id = p_target FOR UPDATE;
    IF NOT FOUND OR NOT wos_member_in_scope(p_ws, p_actor, p_target) THEN
        RETURN wos_refusal(404, 'User not found');
    END IF;
    SELECT * INTO t_role FROM wos_member_role(p_ws, p_target);
    SELECT u.full_name INTO v_name FROM users u WHERE u.id = p_target;
    IF a.name <> 'admin' AND p_target <> p_actor AND t_role.rank >= a.rank THEN
        RETURN wos_refusal(403,
            'You cannot change the status of a member ranked at or above your own role.');
    END IF;
    IF v_old = p_status THEN
        IF p_status = 'active' THEN
            RETURN wos_ok(wos_user_read(p_ws, p_target, p_online_ttl));
        END IF;
        RETURN wos_refusal(400, format('User is already %s', p_status));
    END IF;
    v_refusal := wos_member_guard(p_ws, p_actor, p_target, NULL, p_status);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    UPDATE memberships m
       SET status = p_status,
           joined_at = CASE WHEN p_status = 'active' THEN coalesce(m.joined_at, now())
                            ELSE m.joined_at END
     WHERE m.workspace_id = p_ws AND m.user_id = p_target;
    IF p_status IN ('inactive', 'suspended') THEN
        v_revoked := wos_member_revoke_sessions(p_ws, p_target, p_status);
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor,
        CASE p_status WHEN 'inactive' THEN 'USER_DEACTIVATED' WHEN 'suspended' THEN 'USER_SUSPENDED'
                      ELSE 'USER_ACTIVATED' END,
        'user', p_target, v_name, jsonb_build_object('status', v_old),
        jsonb_strip_nulls(jsonb_build_object('status', p_status, 'reason', p_reason)),
        jsonb_build_object('sessions_revoked', v_revoked), p_ip, p_request_id);
    RETURN wos_ok(wos_user_read(p_ws, p_target, p_online_ttl));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Departments (spec 03 §4)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_department_read(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'name', d.name, 'description', d.description, 'is_active', d.is_active,
        'head_id', d.admin_id, 'head_name', hu.full_name,
        'admin_id', d.admin_id, 'admin_name', hu.full_name,
        'member_count', (SELECT count(*) FROM memberships m
                          WHERE m.workspace_id = d.workspace_id AND m.department_id = d.id
                            AND m.status IN ('active', 'invited')),
        'created_at', wos_utc_text(d.created_at), 'updated_at', wos_utc_text(d.updated_at))
      FROM departments d
      LEFT JOIN users hu ON hu.id = d.admin_id
     WHERE d.workspace_id = p_ws AND d.id = p_id
$$;

CREATE FUNCTION wos_departments_list(p_ws uuid, p_only_active boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(wos_department_read(p_ws, d.id) ORDER BY lower(d.name), d.id),
                    '[]'::json)
      FROM departments d
     WHERE d.workspace_id = p_ws AND (NOT p_only_active OR d.is_active)
$$;

CREATE FUNCTION wos_department_get(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT wos_ok(wos_department_read(p_ws, d.id)) FROM departments d
                      WHERE d.workspace_id = p_ws AND d.id = p_id),
                    wos_refusal(404, 'Department not found'))
$$;

-- Members of a department or a shift: no e-mail, labels beside ids.
CREATE FUNCTION wos_members_brief(p_ws uuid, p_department uuid, p_shift uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'id', u.id, 'full_name', u.full_name, 'role', r.name, 'role_label', r.label,
               'designation', m.designation, 'department_id', m.department_id,
               'department_name', d.name, 'shift_id', m.shift_id, 'shift_name', s.name,
               'manager_id', m.manager_id, 'manager_name', mu.full_name, 'status', m.status)
             ORDER BY lower(u.full_name), u.id), '[]'::json)
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
      LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
      LEFT JOIN users mu ON mu.id = m.manager_id
     WHERE m.workspace_id = p_ws
       AND (p_department IS NULL OR m.department_id = p_department)
       AND (p_shift IS NULL OR m.shift_id = p_shift)
$$;

CREATE FUNCTION wos_department_members(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM departments d WHERE d.workspace_id = p_ws AND d.id = p_id)
                THEN wos_ok(wos_members_brief(p_ws, p_id, NULL))
                ELSE wos_refusal(404, 'Department not found') END
$$;

-- A department head must be an active member with a management role.
CREATE FUNCTION wos_department_head_problem(p_ws uuid, p_head uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN m.user_id IS NULL OR m.status <> 'active'
                THEN wos_refusal(400, 'Selected department head is not eligible.')
                WHEN r.rank < 3
                THEN wos_refusal(400, 'Department head must be Admin, HR, Manager, or Team Lead.')
           END
      FROM (SELECT p_head AS id) h
      LEFT JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = h.id
      LEFT JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
$$;

-- POST /departments {name, description?, head_id?|admin_id?, is_active?}; head_id wins.
CREATE FUNCTION wos_department_create(p_ws uuid, p_actor uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_name text := btrim(p_body ->> 'name');
    v_head uuid := coalesce(p_body ->> 'head_id', p_body ->> 'admin_id')::uuid;
    v_id uuid;
    v_refusal json;
BEGIN
    IF v_head IS NOT NULL THEN
        v_refusal := wos_department_head_problem(p_ws, v_head);
        IF v_refusal IS NOT NULL THEN
            RETURN v_refusal;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM departments d
                WHERE d.workspace_id = p_ws AND lower(d.name) = lower(v_name)) THEN
        RETURN wos_refusal(409, 'A department with this name already exists');
    END IF;
    INSERT INTO departments (workspace_id, name, description, admin_id, is_active)
    VALUES (p_ws, v_name, nullif(btrim(p_body ->> 'description'), ''), v_head,
            coalesce((p_body ->> 'is_active')::boolean, true))
    RETURNING id INTO v_id;
    PERFORM wos_audit_append(p_ws, p_actor, 'department.created', 'department', v_id, v_name,
        NULL, wos_department_read(p_ws, v_id)::jsonb - 'member_count' - 'created_at'
              - 'updated_at' - 'admin_id' - 'admin_name',
        NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_department_read(p_ws, v_id), 201);
END
$$;

-- The audited fields of a department.
CREATE FUNCTION wos_department_state(p_ws uuid, p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('name', d.name, 'description', d.description,
                              'is_active', d.is_active, 'head_id', d.admin_id)
      FROM departments d WHERE d.workspace_id = p_ws AND d.id = p_id
$$;

-- Old and new values of the keys that changed between two states.
CREATE FUNCTION wos_jsonb_changes(p_old jsonb, p_new jsonb, OUT old_value jsonb,
    OUT new_value jsonb)
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_object_agg(k, p_old -> k), '{}'::jsonb),
           coalesce(jsonb_object_agg(k, p_new -> k), '{}'::jsonb)
      FROM jsonb_object_keys(p_new) AS k
     WHERE p_old -> k IS DISTINCT FROM p_new -> k
$$;

-- PATCH /departments/{id}: partial; head re-validated, null clears; a rename keeps the members'
-- legacy department text in step.
CREATE FUNCTION wos_department_update(p_ws uuid, p_actor uuid, p_id uuid, p_body jsonb,
    p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    d departments%ROWTYPE;
    v_before jsonb;
    v_name text;
    v_head uuid;
    v_refusal json;
    c record;
BEGIN
    SELECT * INTO d FROM departments x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Department not found');
    END IF;
    v_before := wos_department_state(p_ws, p_id);
    v_name := coalesce(btrim(p_body ->> 'name'), d.name);
    v_head := d.admin_id;
    IF p_body ? 'head_id' OR p_body ? 'admin_id' THEN
        v_head := CASE WHEN p_body ? 'head_id' THEN p_body ->> 'head_id'
                       ELSE p_body ->> 'admin_id' END::uuid;
        IF v_head IS NOT NULL AND v_head IS DISTINCT FROM d.admin_id THEN
            v_refusal := wos_department_head_problem(p_ws, v_head);
            IF v_refusal IS NOT NULL THEN
                RETURN v_refusal;
            END IF;
        END IF;
    END IF;
    IF lower(v_name) <> lower(d.name) AND EXISTS (
        SELECT 1 FROM departments x
         WHERE x.workspace_id = p_ws AND lower(x.name) = lower(v_name) AND x.id <> p_id) THEN
        RETURN wos_refusal(409, 'A department with this name already exists');
    END IF;
    UPDATE departments x
       SET name = v_name,
           description = CASE WHEN p_body ? 'description'
                              THEN nullif(btrim(p_body ->> 'description'), '')
                              ELSE x.description END,
           is_active = coalesce((p_body ->> 'is_active')::boolean, x.is_active),
           admin_id = v_head
     WHERE x.workspace_id = p_ws AND x.id = p_id;
    IF v_name <> d.name THEN
        UPDATE memberships m SET department = v_name
         WHERE m.workspace_id = p_ws AND m.department_id = p_id;
    END IF;
    SELECT * INTO c FROM wos_jsonb_changes(v_before, wos_department_state(p_ws, p_id));
    IF c.new_value <> '{}'::jsonb THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'department.updated', 'department', p_id, v_name,
            c.old_value, c.new_value, NULL, p_ip, p_request_id);
    END IF;
    RETURN wos_ok(wos_department_read(p_ws, p_id));
END
$$;

-- DELETE /departments/{id}: deactivates; refused (409, with the count) while members hold it.
CREATE FUNCTION wos_department_delete(p_ws uuid, p_actor uuid, p_id uuid, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    d departments%ROWTYPE;
    v_count integer;
BEGIN
    SELECT * INTO d FROM departments x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Department not found');
    END IF;
    SELECT count(*) INTO v_count FROM memberships m
     WHERE m.workspace_id = p_ws AND m.department_id = p_id;
    IF v_count > 0 THEN
        RETURN wos_refusal(409, format('This department has %s assigned member%s. Reassign '
            'them before deactivating.', v_count, CASE WHEN v_count = 1 THEN '' ELSE 's' END));
    END IF;
    IF d.is_active THEN
        UPDATE departments x SET is_active = false WHERE x.workspace_id = p_ws AND x.id = p_id;
        PERFORM wos_audit_append(p_ws, p_actor, 'department.deactivated', 'department', p_id,
            d.name, jsonb_build_object('is_active', true), jsonb_build_object('is_active', false),
            NULL, p_ip, p_request_id);
    END IF;
    RETURN wos_ok(json_build_object('success', true));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Shifts (spec 03 §5; start/end in the shift's timezone, an end before the start crosses
-- midnight)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_shift_read(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', s.id, 'name', s.name, 'description', s.description,
        'start_time', to_char(s.start_time, 'HH24:MI'), 'end_time', to_char(s.end_time, 'HH24:MI'),
        'timing', to_char(s.start_time, 'HH12:MI AM') || ' - ' || to_char(s.end_time, 'HH12:MI AM'),
        'crosses_midnight', s.end_time < s.start_time,
        'timezone', s.timezone, 'grace_period_minutes', s.grace_period_minutes,
        'working_days', s.working_days,
        'working_days_list', (SELECT json_agg(x::integer ORDER BY x::integer)
                                FROM unnest(string_to_array(s.working_days, ',')) AS x),
        'is_active', s.is_active,
        'member_count', (SELECT count(*) FROM memberships m
                          WHERE m.workspace_id = s.workspace_id AND m.shift_id = s.id
                            AND m.status IN ('active', 'invited')),
        'created_at', wos_utc_text(s.created_at), 'updated_at', wos_utc_text(s.updated_at))
      FROM shifts s
     WHERE s.workspace_id = p_ws AND s.id = p_id
$$;

CREATE FUNCTION wos_shifts_list(p_ws uuid, p_only_active boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(wos_shift_read(p_ws, s.id) ORDER BY lower(s.name), s.start_time, s.id),
                    '[]'::json)
      FROM shifts s
     WHERE s.workspace_id = p_ws AND (NOT p_only_active OR s.is_active)
$$;

CREATE FUNCTION wos_shift_get(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT wos_ok(wos_shift_read(p_ws, s.id)) FROM shifts s
                      WHERE s.workspace_id = p_ws AND s.id = p_id),
                    wos_refusal(404, 'Shift not found'))
$$;

CREATE FUNCTION wos_shift_members(p_ws uuid, p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_id)
                THEN wos_ok(wos_members_brief(p_ws, NULL, p_id))
                ELSE wos_refusal(404, 'Shift not found') END
$$;

-- Working days normalised: sorted, without duplicates ("5,1,1" -> "1,5").
CREATE FUNCTION wos_working_days(p text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(DISTINCT x, ',' ORDER BY x)
      FROM unnest(string_to_array(replace(p, ' ', ''), ',')) AS x
$$;

CREATE FUNCTION wos_shift_state(p_ws uuid, p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('name', s.name, 'description', s.description,
               'start_time', to_char(s.start_time, 'HH24:MI'),
               'end_time', to_char(s.end_time, 'HH24:MI'), 'timezone', s.timezone,
               'grace_period_minutes', s.grace_period_minutes, 'working_days', s.working_days,
               'is_active', s.is_active)
      FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_id
$$;

-- POST /shifts: the body is validated in C (times, IANA timezone, grace 0-240, working days);
-- the timezone defaults to the workspace's.
CREATE FUNCTION wos_shift_create(p_ws uuid, p_actor uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    IF (p_body ->> 'start_time')::time = (p_body ->> 'end_time')::time THEN
        RETURN wos_refusal(422, 'The shift must end at a different time than it starts.',
                           'end_time');
    END IF;
    INSERT INTO shifts (workspace_id, name, description, start_time, end_time, timezone,
                        grace_period_minutes, working_days, is_active)
    SELECT p_ws, btrim(p_body ->> 'name'), nullif(btrim(p_body ->> 'description'), ''),
           (p_body ->> 'start_time')::time, (p_body ->> 'end_time')::time,
           coalesce(p_body ->> 'timezone', w.timezone),
           coalesce((p_body ->> 'grace_period_minutes')::integer, 15),
           coalesce(wos_working_days(p_body ->> 'working_days'), '1,2,3,4,5'),
           coalesce((p_body ->> 'is_active')::boolean, true)
      FROM workspaces w WHERE w.id = p_ws
    RETURNING id INTO v_id;
    PERFORM wos_audit_append(p_ws, p_actor, 'shift.created', 'shift', v_id,
        btrim(p_body ->> 'name'), NULL, wos_shift_state(p_ws, v_id), NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_shift_read(p_ws, v_id), 201);
END
$$;

CREATE FUNCTION wos_shift_update(p_ws uuid, p_actor uuid, p_id uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    s shifts%ROWTYPE;
    v_before jsonb;
    c record;
BEGIN
    SELECT * INTO s FROM shifts x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Shift not found');
    END IF;
    IF coalesce((p_body ->> 'start_time')::time, s.start_time)
       = coalesce((p_body ->> 'end_time')::time, s.end_time) THEN
        RETURN wos_refusal(422, 'The shift must end at a different time than it starts.',
                           CASE WHEN p_body ? 'end_time' THEN 'end_time' ELSE 'start_time' END);
    END IF;
    v_before := wos_shift_state(p_ws, p_id);
    UPDATE shifts x
       SET name = coalesce(btrim(p_body ->> 'name'), x.name),
           description = CASE WHEN p_body ? 'description'
                              THEN nullif(btrim(p_body ->> 'description'), '')
                              ELSE x.description END,
           start_time = coalesce((p_body ->> 'start_time')::time, x.start_time),
           end_time = coalesce((p_body ->> 'end_time')::time, x.end_time),
           timezone = coalesce(p_body ->> 'timezone', x.timezone),
           grace_period_minutes = coalesce((p_body ->> 'grace_period_minutes')::integer,
                                           x.grace_period_minutes),
           working_days = coalesce(wos_working_days(p_body ->> 'working_days'), x.working_days),
           is_active = coalesce((p_body ->> 'is_active')::boolean, x.is_active)
     WHERE x.workspace_id = p_ws AND x.id = p_id;
    SELECT * INTO c FROM wos_jsonb_changes(v_before, wos_shift_state(p_ws, p_id));
    IF c.new_value <> '{}'::jsonb THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'shift.updated', 'shift', p_id,
            coalesce(btrim(p_body ->> 'name'), s.name), c.old_value, c.new_value, NULL, p_ip,
            p_request_id);
    END IF;
    RETURN wos_ok(wos_shift_read(p_ws, p_id));
END
$$;

CREATE FUNCTION wos_shift_delete(p_ws uuid, p_actor uuid, p_id uuid, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    s shifts%ROWTYPE;
    v_count integer;
BEGIN
    SELECT * INTO s FROM shifts x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Shift not found');
    END IF;
    SELECT count(*) INTO v_count FROM memberships m
     WHERE m.workspace_id = p_ws AND m.shift_id = p_id;
    IF v_count > 0 THEN
        RETURN wos_refusal(409, format('This shift has %s assigned member%s. Reassign them '
            'before deactivating.', v_count, CASE WHEN v_count = 1 THEN '' ELSE 's' END));
    END IF;
    IF s.is_active THEN
        UPDATE shifts x SET is_active = false WHERE x.workspace_id = p_ws AND x.id = p_id;
        PERFORM wos_audit_append(p_ws, p_actor, 'shift.deactivated', 'shift', p_id, s.name,
            jsonb_build_object('is_active', true), jsonb_build_object('is_active', false), NULL,
            p_ip, p_request_id);
    END IF;
    RETURN wos_ok(json_build_object('success', true));
END
$$;

-- POST /shifts/assign/{user_id}?shift_id=: NULL unassigns. Audited as USER_UPDATED.
CREATE FUNCTION wos_shift_assign(p_ws uuid, p_actor uuid, p_user uuid, p_shift uuid, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_old uuid;
    v_name text;
    v_shift_name text;
BEGIN
    SELECT m.shift_id, u.full_name INTO v_old, v_name
      FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user FOR UPDATE OF m;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'User not found');
    END IF;
    IF p_shift IS NOT NULL THEN
        SELECT s.name INTO v_shift_name FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_shift;
        IF NOT FOUND THEN
            RETURN wos_refusal(404, 'Shift not found');
        END IF;
    END IF;
    IF v_old IS DISTINCT FROM p_shift THEN
        UPDATE memberships m SET shift_id = p_shift
         WHERE m.workspace_id = p_ws AND m.user_id = p_user;
        PERFORM wos_audit_append(p_ws, p_actor, 'USER_UPDATED', 'user', p_user, v_name,
            jsonb_build_object('shift_id', v_old), jsonb_build_object('shift_id', p_shift), NULL,
            p_ip, p_request_id);
    END IF;
    RETURN wos_ok(json_build_object('message', CASE WHEN p_shift IS NULL
        THEN format('%s no longer has a shift', v_name)
        ELSE format('%s is assigned to %s', v_name, v_shift_name) END));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Holidays (spec 03 §6)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_holiday_json(h holidays) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', h.id, 'name', h.name, 'description', h.description,
                             'holiday_date', h.holiday_date, 'is_active', h.is_active,
                             'created_at', wos_utc_text(h.created_at),
                             'updated_at', wos_utc_text(h.updated_at))
$$;

-- GET /holidays (p_mode 'all'), /holidays/active ('active') and /holidays/upcoming
-- ('upcoming': active, on or after p_from (default: today in the workspace's timezone),
-- ascending, p_limit).
CREATE FUNCTION wos_holidays_list(p_ws uuid, p_mode text, p_from date, p_limit integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH today AS (
        SELECT (now() AT TIME ZONE w.timezone)::date AS d FROM workspaces w WHERE w.id = p_ws
    )
    SELECT coalesce(json_agg(wos_holiday_json(h) ORDER BY h.holiday_date, h.id), '[]'::json)
      FROM (SELECT x.* FROM holidays x CROSS JOIN today
             WHERE x.workspace_id = p_ws
               AND (p_mode = 'all' OR x.is_active)
               AND (p_mode <> 'upcoming' OR x.holiday_date >= coalesce(p_from, today.d))
             ORDER BY x.holiday_date, x.id
             LIMIT CASE WHEN p_mode = 'upcoming' THEN p_limit END) h
$$;

CREATE FUNCTION wos_holiday_state(h holidays) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('name', h.name, 'description', h.description,
                              'holiday_date', h.holiday_date, 'is_active', h.is_active)
$$;

CREATE FUNCTION wos_holiday_create(p_ws uuid, p_actor uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    h holidays%ROWTYPE;
BEGIN
    IF EXISTS (SELECT 1 FROM holidays x WHERE x.workspace_id = p_ws
                  AND x.holiday_date = (p_body ->> 'holiday_date')::date) THEN
        RETURN wos_refusal(409, 'A holiday already exists on this date');
    END IF;
    INSERT INTO holidays (workspace_id, name, description, holiday_date, is_active)
    VALUES (p_ws, btrim(p_body ->> 'name'), nullif(btrim(p_body ->> 'description'), ''),
            (p_body ->> 'holiday_date')::date, coalesce((p_body ->> 'is_active')::boolean, true))
    RETURNING * INTO h;
    PERFORM wos_audit_append(p_ws, p_actor, 'holiday.created', 'holiday', h.id, h.name, NULL,
        wos_holiday_state(h), NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_holiday_json(h), 201);
END
$$;

CREATE FUNCTION wos_holiday_update(p_ws uuid, p_actor uuid, p_id uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    h holidays%ROWTYPE;
    v_new holidays%ROWTYPE;
    c record;
BEGIN
    SELECT * INTO h FROM holidays x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Holiday not found');
    END IF;
    IF p_body ? 'holiday_date' AND EXISTS (
        SELECT 1 FROM holidays x WHERE x.workspace_id = p_ws AND x.id <> p_id
           AND x.holiday_date = (p_body ->> 'holiday_date')::date) THEN
        RETURN wos_refusal(409, 'A holiday already exists on this date');
    END IF;
    UPDATE holidays x
       SET name = coalesce(btrim(p_body ->> 'name'), x.name),
           description = CASE WHEN p_body ? 'description'
                              THEN nullif(btrim(p_body ->> 'description'), '')
                              ELSE x.description END,
           holiday_date = coalesce((p_body ->> 'holiday_date')::date, x.holiday_date),
           is_active = coalesce((p_body ->> 'is_active')::boolean, x.is_active)
     WHERE x.workspace_id = p_ws AND x.id = p_id
    RETURNING * INTO v_new;
    SELECT * INTO c FROM wos_jsonb_changes(wos_holiday_state(h), wos_holiday_state(v_new));
    IF c.new_value <> '{}'::jsonb THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'holiday.updated', 'holiday', p_id, v_new.name,
            c.old_value, c.new_value, NULL, p_ip, p_request_id);
    END IF;
    RETURN wos_ok(wos_holiday_json(v_new));
END
$$;

CREATE FUNCTION wos_holiday_delete(p_ws uuid, p_actor uuid, p_id uuid, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    h holidays%ROWTYPE;
BEGIN
    SELECT * INTO h FROM holidays x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Holiday not found');
    END IF;
    IF h.is_active THEN
        UPDATE holidays x SET is_active = false WHERE x.workspace_id = p_ws AND x.id = p_id;
        PERFORM wos_audit_append(p_ws, p_actor, 'holiday.deactivated', 'holiday', p_id, h.name,
            jsonb_build_object('is_active', true), jsonb_build_object('is_active', false), NULL,
            p_ip, p_request_id);
    END IF;
    RETURN wos_ok(json_build_object('success', true));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Roles and permissions (spec 03 §2)
-- ---------------------------------------------------------------------------------------------

-- Display category of a permission key (spec 03 §2.1).
CREATE FUNCTION wos_permission_category(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE split_part(p_code, '.', 1)
               WHEN 'users' THEN 'User Management'
               WHEN 'attendance' THEN 'Attendance'
               WHEN 'leave' THEN 'Leave'
               WHEN 'projects' THEN 'Projects & Tasks'
               WHEN 'tasks' THEN 'Projects & Tasks'
               WHEN 'eod' THEN 'EOD Reports'
               WHEN 'reports' THEN 'Analytics & Reports'
               WHEN 'analytics' THEN 'Analytics & Reports'
               WHEN 'announcements' THEN 'Organization'
               WHEN 'holidays' THEN 'Organization'
               WHEN 'shifts' THEN 'Organization'
               WHEN 'departments' THEN 'Organization'
               ELSE 'System' END
$$;

CREATE FUNCTION wos_permission_items(p_codes text[]) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(json_build_object(
               'key', p.code, 'label', coalesce(p.description, p.code),
               'category', wos_permission_category(p.code), 'description', p.description)
             ORDER BY p.code), '[]'::json)
      FROM permissions p WHERE p.code = ANY (p_codes)
$$;

CREATE FUNCTION wos_role_codes(p_ws uuid, p_role uuid) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(p.code ORDER BY p.code), ARRAY[]::text[])
      FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id
     WHERE rp.workspace_id = p_ws AND rp.role_id = p_role
$$;

CREATE FUNCTION wos_role_read(p_ws uuid, p_role uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'name', r.name, 'label', r.label, 'description', r.description,
        'is_system', r.is_system, 'rank', r.rank,
        'member_count', (SELECT count(*) FROM memberships m
                          WHERE m.workspace_id = r.workspace_id AND m.role_id = r.id),
        'permissions', to_json(wos_role_codes(p_ws, r.id)),
        'created_at', wos_utc_text(r.created_at), 'updated_at', wos_utc_text(r.updated_at))
      FROM roles r WHERE r.workspace_id = p_ws AND r.id = p_role
$$;

-- GET /permissions: the catalogue and every role's bundle.
CREATE FUNCTION wos_rbac_catalogue(p_ws uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'permissions', wos_permission_items(ARRAY(SELECT p.code FROM permissions p)),
        'roles', (SELECT coalesce(json_agg(wos_role_read(p_ws, r.id) ORDER BY r.rank DESC, r.name),
                                  '[]'::json)
                    FROM roles r WHERE r.workspace_id = p_ws))
$$;

-- GET /permissions/role/{role}
CREATE FUNCTION wos_role_keys(p_ws uuid, p_role text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT wos_ok(to_json(wos_role_codes(p_ws, r.id))) FROM roles r
                      WHERE r.workspace_id = p_ws AND r.name = p_role),
                    wos_refusal(404, 'Role not found'))
$$;

-- The distinct strings of a JSON array, sorted.
CREATE FUNCTION wos_text_set(p jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(DISTINCT k ORDER BY k), ARRAY[]::text[])
      FROM jsonb_array_elements_text(coalesce(p, '[]'::jsonb)) AS k
$$;

-- The first key that is not in the catalogue, or NULL.
CREATE FUNCTION wos_unknown_permission(p_codes text[]) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT k FROM unnest(p_codes) AS k
     WHERE NOT EXISTS (SELECT 1 FROM permissions p WHERE p.code = k)
     ORDER BY k LIMIT 1
$$;

-- The first key p_actor may not hand out (nobody grants what they do not hold; an admin holds
-- everything), or NULL.
CREATE FUNCTION wos_ungrantable_permission(p_ws uuid, p_actor uuid, p_codes text[]) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT k FROM unnest(p_codes) AS k
     WHERE (wos_member_role(p_ws, p_actor)).name <> 'admin'
       AND NOT wos_member_can(p_ws, p_actor, k)
     ORDER BY k LIMIT 1
$$;

-- PUT /permissions/roles/{role} {permission_keys}: replaces the bundle. The admin bundle is
-- fixed (every key), so nobody can lock the workspace out of its own administration; a
-- non-admin edits only roles ranked below their own and adds only keys they hold.
CREATE FUNCTION wos_role_bundle_set(p_ws uuid, p_actor uuid, p_role text, p_keys jsonb,
    p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    r roles%ROWTYPE;
    v_new text[] := wos_text_set(p_keys);
    v_old text[];
    v_bad text;
BEGIN
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    SELECT * INTO r FROM roles x WHERE x.workspace_id = p_ws AND x.name = p_role FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Role not found');
    END IF;
    IF r.name = 'admin' THEN
        RETURN wos_refusal(409, 'The admin role always holds every permission.');
    END IF;
    v_bad := wos_unknown_permission(v_new);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'Unknown permission key: ' || v_bad);
    END IF;
    v_old := wos_role_codes(p_ws, r.id);
    IF a.name <> 'admin' THEN
        IF r.rank >= a.rank THEN
            RETURN wos_refusal(403,
                'You cannot change the permissions of a role ranked at or above your own.');
        END IF;
        v_bad := wos_ungrantable_permission(p_ws, p_actor,
                     ARRAY(SELECT unnest(v_new) EXCEPT SELECT unnest(v_old)));
        IF v_bad IS NOT NULL THEN
            RETURN wos_refusal(403, 'You cannot grant a permission you do not hold: ' || v_bad);
        END IF;
    END IF;
    IF v_new = v_old THEN
        RETURN wos_ok(wos_role_read(p_ws, r.id));
    END IF;
    DELETE FROM role_permissions rp USING permissions p
     WHERE rp.workspace_id = p_ws AND rp.role_id = r.id AND p.id = rp.permission_id
       AND p.code <> ALL (v_new);
    INSERT INTO role_permissions (workspace_id, role_id, permission_id)
    SELECT p_ws, r.id, p.id FROM permissions p WHERE p.code = ANY (v_new)
    ON CONFLICT DO NOTHING;
    PERFORM wos_audit_append(p_ws, p_actor, 'role.permissions_updated', 'role', r.id, r.label,
        jsonb_build_object('permissions', to_jsonb(v_old)),
        jsonb_build_object('permissions', to_jsonb(v_new)),
        jsonb_build_object(
            'added', to_jsonb(ARRAY(SELECT unnest(v_new) EXCEPT SELECT unnest(v_old) ORDER BY 1)),
            'removed', to_jsonb(ARRAY(SELECT unnest(v_old) EXCEPT SELECT unnest(v_new) ORDER BY 1))),
        p_ip, p_request_id);
    RETURN wos_ok(wos_role_read(p_ws, r.id));
END
$$;

CREATE FUNCTION wos_role_name_problem(p_name text) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_name !~ '^[a-z][a-z0-9_]*$' OR length(p_name) > 50
                THEN wos_refusal(422, 'Use 1 to 50 lower-case letters, digits and underscores, '
                                      'starting with a letter.', 'name') END
$$;

-- POST /permissions/roles {name, label, description?, rank, permission_keys?}: a custom role,
-- ranked below admin (and, for a non-admin, below the caller).
CREATE FUNCTION wos_role_create(p_ws uuid, p_actor uuid, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    v_name text := btrim(p_body ->> 'name');
    v_rank integer := (p_body ->> 'rank')::integer;
    v_keys text[] := wos_text_set(p_body -> 'permission_keys');
    v_bad text;
    v_id uuid;
    v_refusal json := wos_role_name_problem(btrim(p_body ->> 'name'));
BEGIN
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    IF a.name <> 'admin' AND v_rank >= a.rank THEN
        RETURN wos_refusal(403, 'You cannot create a role ranked at or above your own.');
    END IF;
    IF EXISTS (SELECT 1 FROM roles r WHERE r.workspace_id = p_ws AND r.name = v_name) THEN
        RETURN wos_refusal(409, 'A role with this name already exists');
    END IF;
    v_bad := wos_unknown_permission(v_keys);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'Unknown permission key: ' || v_bad);
    END IF;
    v_bad := wos_ungrantable_permission(p_ws, p_actor, v_keys);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(403, 'You cannot grant a permission you do not hold: ' || v_bad);
    END IF;
    INSERT INTO roles (workspace_id, name, label, description, is_system, rank)
    VALUES (p_ws, v_name, btrim(p_body ->> 'label'), nullif(btrim(p_body ->> 'description'), ''),
            false, v_rank)
    RETURNING id INTO v_id;
    INSERT INTO role_permissions (workspace_id, role_id, permission_id)
    SELECT p_ws, v_id, p.id FROM permissions p WHERE p.code = ANY (v_keys);
    PERFORM wos_audit_append(p_ws, p_actor, 'role.created', 'role', v_id,
        btrim(p_body ->> 'label'), NULL,
        jsonb_build_object('name', v_name, 'label', btrim(p_body ->> 'label'), 'rank', v_rank,
                           'permissions', to_jsonb(v_keys)),
        NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_role_read(p_ws, v_id), 201);
END
$$;

-- PATCH /permissions/roles/{role} {name?, label?, description?, rank?}: a system role keeps its
-- name and rank; renaming a custom role makes its holders' tokens refresh (the role claim).
CREATE FUNCTION wos_role_update(p_ws uuid, p_actor uuid, p_role text, p_body jsonb, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    r roles%ROWTYPE;
    v_name text;
    v_rank integer;
    v_refusal json;
    v_before jsonb;
    c record;
BEGIN
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    SELECT * INTO r FROM roles x WHERE x.workspace_id = p_ws AND x.name = p_role FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Role not found');
    END IF;
    v_name := coalesce(btrim(p_body ->> 'name'), r.name);
    v_rank := coalesce((p_body ->> 'rank')::integer, r.rank);
    IF a.name <> 'admin' AND (r.rank >= a.rank OR v_rank >= a.rank) THEN
        RETURN wos_refusal(403, 'You cannot change a role ranked at or above your own.');
    END IF;
    IF r.is_system AND (v_name <> r.name OR v_rank <> r.rank) THEN
        RETURN wos_refusal(409, 'System roles keep their name and rank.');
    END IF;
    v_refusal := wos_role_name_problem(v_name);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    IF v_name <> r.name AND EXISTS (SELECT 1 FROM roles x
                                     WHERE x.workspace_id = p_ws AND x.name = v_name) THEN
        RETURN wos_refusal(409, 'A role with this name already exists');
    END IF;
    v_before := jsonb_build_object('name', r.name, 'label', r.label, 'description',
                                   r.description, 'rank', r.rank);
    UPDATE roles x
       SET name = v_name, rank = v_rank,
           label = coalesce(btrim(p_body ->> 'label'), x.label),
           description = CASE WHEN p_body ? 'description'
                              THEN nullif(btrim(p_body ->> 'description'), '')
                              ELSE x.description END
     WHERE x.workspace_id = p_ws AND x.id = r.id
    RETURNING * INTO r;
    SELECT * INTO c FROM wos_jsonb_changes(v_before,
        jsonb_build_object('name', r.name, 'label', r.label, 'description', r.description,
                           'rank', r.rank));
    IF c.new_value <> '{}'::jsonb THEN
        PERFORM wos_audit_append(p_ws, p_actor,
            CASE WHEN c.new_value ? 'name' THEN 'role.renamed' ELSE 'role.updated' END,
            'role', r.id, r.label, c.old_value, c.new_value, NULL, p_ip, p_request_id);
    END IF;
    RETURN wos_ok(wos_role_read(p_ws, r.id));
END
$$;

-- DELETE /permissions/roles/{role}: custom roles no member holds (any status).
CREATE FUNCTION wos_role_delete(p_ws uuid, p_actor uuid, p_role text, p_ip text,
    p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    r roles%ROWTYPE;
    v_count integer;
BEGIN
    SELECT * INTO a FROM wos_member_role(p_ws, p_actor);
    SELECT * INTO r FROM roles x WHERE x.workspace_id = p_ws AND x.name = p_role FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Role not found');
    END IF;
    IF r.is_system THEN
        RETURN wos_refusal(409, 'System roles cannot be deleted.');
    END IF;
    IF a.name <> 'admin' AND r.rank >= a.rank THEN
        RETURN wos_refusal(403, 'You cannot change a role ranked at or above your own.');
    END IF;
    SELECT count(*) INTO v_count FROM memberships m
     WHERE m.workspace_id = p_ws AND m.role_id = r.id;
    IF v_count > 0 THEN
        RETURN wos_refusal(409, format('This role is held by %s member%s. Reassign them before '
            'deleting it.', v_count, CASE WHEN v_count = 1 THEN '' ELSE 's' END));
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor, 'role.deleted', 'role', r.id, r.label,
        jsonb_build_object('name', r.name, 'label', r.label, 'rank', r.rank,
                           'permissions', to_jsonb(wos_role_codes(p_ws, r.id))),
        NULL, NULL, p_ip, p_request_id);
    DELETE FROM roles x WHERE x.workspace_id = p_ws AND x.id = r.id;
    RETURN wos_ok(json_build_object('success', true));
END
$$;

CREATE FUNCTION wos_member_overrides(p_ws uuid, p_user uuid, p_granted boolean) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(p.code ORDER BY p.code), ARRAY[]::text[])
      FROM user_permission_overrides o JOIN permissions p ON p.id = o.permission_id
     WHERE o.workspace_id = p_ws AND o.user_id = p_user AND o.granted = p_granted
$$;

-- The permission detail of a member (spec 03 §2.6).
CREATE FUNCTION wos_member_permissions_read(p_ws uuid, p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'user_id', m.user_id, 'full_name', u.full_name, 'role', r.name,
        'role_permissions', wos_permission_items(wos_role_codes(p_ws, r.id)),
        'extra_permissions', wos_permission_items(wos_member_overrides(p_ws, p_user, true)),
        'denied_permissions', wos_permission_items(wos_member_overrides(p_ws, p_user, false)),
        'resolved_permissions', wos_permission_keys(p_ws, p_user))
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE FUNCTION wos_member_permissions_get(p_ws uuid, p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN d IS NULL THEN wos_refusal(404, 'User not found') ELSE wos_ok(d) END
      FROM wos_member_permissions_read(p_ws, p_user) AS d
$$;

-- GET /permissions/user/{user_id}
CREATE FUNCTION wos_member_permission_keys(p_ws uuid, p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT wos_ok(json_build_object('user_id', m.user_id, 'role', r.name,
                                       'permissions', wos_permission_keys(p_ws, p_user)))
                       FROM memberships m
                       JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
                      WHERE m.workspace_id = p_ws AND m.user_id = p_user),
                    wos_refusal(404, 'User not found'))
$$;

-- Who may change a member's overrides: admin, or a holder of the route's permission acting on
-- themself or on a member ranked below them. A refusal or NULL.
CREATE FUNCTION wos_override_target_problem(p_ws uuid, p_actor uuid, p_user uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t.name IS NULL THEN wos_refusal(404, 'User not found')
                WHEN a.name <> 'admin' AND p_user <> p_actor AND t.rank >= a.rank
                THEN wos_refusal(403, 'You cannot change the permissions of a member ranked at '
                                      'or above your own role.') END
      FROM wos_member_role(p_ws, p_actor) a, wos_member_role(p_ws, p_user) t
$$;

-- PATCH /users/{id}/permissions {extra_grants, extra_denies}: replaces every override.
CREATE FUNCTION wos_member_permissions_set(p_ws uuid, p_actor uuid, p_user uuid,
    p_grants jsonb, p_denies jsonb, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_grants text[] := wos_text_set(p_grants);
    v_denies text[] := wos_text_set(p_denies);
    v_old jsonb;
    v_new jsonb;
    v_bad text;
    v_refusal json := wos_override_target_problem(p_ws, p_actor, p_user);
BEGIN
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    v_bad := wos_unknown_permission(v_grants || v_denies);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'Unknown permission key: ' || v_bad);
    END IF;
    v_bad := (SELECT k FROM unnest(v_grants) AS k WHERE k = ANY (v_denies) ORDER BY k LIMIT 1);
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(400, 'A permission cannot be both granted and denied: ' || v_bad);
    END IF;
    v_bad := wos_ungrantable_permission(p_ws, p_actor,
                 ARRAY(SELECT unnest(v_grants) EXCEPT
                       SELECT unnest(wos_member_overrides(p_ws, p_user, true))));
    IF v_bad IS NOT NULL THEN
        RETURN wos_refusal(403, 'You cannot grant a permission you do not hold: ' || v_bad);
    END IF;
    v_old := jsonb_build_object('grants', to_jsonb(wos_member_overrides(p_ws, p_user, true)),
                                'denies', to_jsonb(wos_member_overrides(p_ws, p_user, false)));
    v_new := jsonb_build_object('grants', to_jsonb(v_grants), 'denies', to_jsonb(v_denies));
    IF v_old <> v_new THEN
        DELETE FROM user_permission_overrides o
         WHERE o.workspace_id = p_ws AND o.user_id = p_user;
        INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id, granted)
        SELECT p_ws, p_user, p.id, p.code = ANY (v_grants)
          FROM permissions p WHERE p.code = ANY (v_grants || v_denies);
        PERFORM wos_audit_append(p_ws, p_actor, 'user.permissions_updated', 'user', p_user,
            (SELECT u.full_name FROM users u WHERE u.id = p_user), v_old, v_new, NULL, p_ip,
            p_request_id);
    END IF;
    RETURN wos_ok(wos_member_permissions_read(p_ws, p_user));
END
$$;

-- POST /permissions/user-override {user_id, permission_key, granted}: upserts one override.
CREATE FUNCTION wos_permission_override_set(p_ws uuid, p_actor uuid, p_user uuid, p_key text,
    p_granted boolean, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_perm uuid;
    v_old boolean;
    v_refusal json := wos_override_target_problem(p_ws, p_actor, p_user);
BEGIN
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    SELECT p.id INTO v_perm FROM permissions p WHERE p.code = p_key;
    IF NOT FOUND THEN
        RETURN wos_refusal(400, 'Unknown permission key: ' || p_key);
    END IF;
    SELECT o.granted INTO v_old FROM user_permission_overrides o
     WHERE o.workspace_id = p_ws AND o.user_id = p_user AND o.permission_id = v_perm;
    IF p_granted AND v_old IS DISTINCT FROM true
       AND wos_ungrantable_permission(p_ws, p_actor, ARRAY[p_key]) IS NOT NULL THEN
        RETURN wos_refusal(403, 'You cannot grant a permission you do not hold: ' || p_key);
    END IF;
    IF v_old IS DISTINCT FROM p_granted THEN
        INSERT INTO user_permission_overrides (workspace_id, user_id, permission_id, granted)
        VALUES (p_ws, p_user, v_perm, p_granted)
        ON CONFLICT (workspace_id, user_id, permission_id) DO UPDATE SET granted = p_granted;
        PERFORM wos_audit_append(p_ws, p_actor, 'user.permission_override_set', 'user', p_user,
            (SELECT u.full_name FROM users u WHERE u.id = p_user),
            jsonb_build_object('permission_key', p_key, 'granted', v_old),
            jsonb_build_object('permission_key', p_key, 'granted', p_granted), NULL, p_ip,
            p_request_id);
    END IF;
    RETURN wos_ok(json_build_object('message', 'Permission override saved'));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Application settings (spec 03 §7). workspace.timezone is presented as one more setting but
-- lives in workspaces.timezone.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_setting_value(p_type text, p_value text) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_value IS NULL THEN 'null'::json
                WHEN p_type = 'integer' THEN to_json(p_value::bigint)
                WHEN p_type = 'boolean' THEN to_json(p_value::boolean)
                WHEN p_type = 'json' THEN p_value::json
                ELSE to_json(p_value) END
$$;

CREATE FUNCTION wos_setting_json(s application_settings) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('key', s.key, 'value', wos_setting_value(s.data_type, s.value),
                             'data_type', s.data_type, 'description', s.description,
                             'category', s.category, 'is_mutable', s.is_mutable,
                             'updated_at', wos_utc_text(s.updated_at))
$$;

CREATE FUNCTION wos_setting_timezone_json(p_ws uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('key', 'workspace.timezone', 'value', w.timezone,
                             'data_type', 'string',
                             'description', 'Business timezone of the workspace (IANA name): '
                                            '"today", holidays and reports follow it',
                             'category', 'general', 'is_mutable', true,
                             'updated_at', wos_utc_text(w.updated_at))
      FROM workspaces w WHERE w.id = p_ws
$$;

-- GET /settings
CREATE FUNCTION wos_settings_list(p_ws uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_array(wos_setting_timezone_json(p_ws))::jsonb
           || coalesce((SELECT jsonb_agg(wos_setting_json(s) ORDER BY s.category, s.key)
                          FROM application_settings s WHERE s.workspace_id = p_ws),
                       '[]'::jsonb)
$$;

-- Why p_value cannot be the value of setting p_key of type p_type, or NULL. Bounds keep the
-- modules that read these numbers sane.
CREATE FUNCTION wos_setting_problem(p_key text, p_type text, p_value jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v numeric;
    lo numeric := 0;
    hi numeric := 1000000000;
BEGIN
    IF p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN
        RETURN CASE WHEN p_key LIKE 'leave.entitlement_days.%' OR p_type = 'json' THEN NULL
                    ELSE 'Must not be null.' END;
    END IF;
    IF p_type = 'boolean' AND jsonb_typeof(p_value) <> 'boolean' THEN
        RETURN 'Must be true or false.';
    END IF;
    IF p_type = 'string' AND jsonb_typeof(p_value) <> 'string' THEN
        RETURN 'Must be a string.';
    END IF;
    IF p_type = 'string' AND length(p_value #>> '{}') > 10000 THEN
        RETURN 'Must be at most 10000 characters.';
    END IF;
    IF p_type <> 'integer' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_value) <> 'number' THEN
        RETURN 'Must be an integer.';
    END IF;
    v := (p_value #>> '{}')::numeric;
    IF v <> trunc(v) THEN
        RETURN 'Must be an integer.';
    END IF;
    IF p_key LIKE 'attendance.%_minutes' THEN
        hi := 1440;
    ELSIF p_key IN ('attendance.max_active_hours', 'alerts.missing_checkout_after_hours') THEN
        lo := 1;
        hi := 72;
    ELSIF p_key = 'leave.escalation_hours' THEN
        lo := 1;
        hi := 720;
    ELSIF p_key LIKE 'leave.entitlement_days.%' THEN
        hi := 366;
    END IF;
    IF v < lo OR v > hi THEN
        RETURN format('Must be between %s and %s.', lo, hi);
    END IF;
    RETURN NULL;
END
$$;

-- PATCH /settings/{key} {value}
CREATE FUNCTION wos_setting_update(p_ws uuid, p_actor uuid, p_key text, p_value jsonb,
    p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    s application_settings%ROWTYPE;
    v_text text;
    v_old_tz text;
    v_old text;
    v_problem text;
    v_full_leave integer;
    v_half_day integer;
    v_full_day integer;
BEGIN
    IF p_key = 'workspace.timezone' THEN
        IF jsonb_typeof(p_value) IS DISTINCT FROM 'string' OR NOT EXISTS (
            SELECT 1 FROM pg_timezone_names z WHERE z.name = p_value #>> '{}') THEN
            RETURN wos_refusal(422, 'Must be a valid IANA timezone such as Asia/Karachi.',
                               'value');
        END IF;
        SELECT w.timezone INTO v_old_tz FROM workspaces w WHERE w.id = p_ws FOR UPDATE;
        IF v_old_tz <> p_value #>> '{}' THEN
            UPDATE workspaces w SET timezone = p_value #>> '{}' WHERE w.id = p_ws;
            PERFORM wos_audit_append(p_ws, p_actor, 'setting.updated', 'setting', p_ws, p_key,
                jsonb_build_object('value', v_old_tz), jsonb_build_object('value', p_value),
                NULL, p_ip, p_request_id);
        END IF;
        RETURN wos_ok(wos_setting_timezone_json(p_ws));
    END IF;
    SELECT * INTO s FROM application_settings x
     WHERE x.workspace_id = p_ws AND x.key = p_key FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Setting not found');
    END IF;
    IF NOT s.is_mutable THEN
        RETURN wos_refusal(403, 'This setting cannot be changed.');
    END IF;
    v_problem := wos_setting_problem(p_key, s.data_type, p_value);
    IF v_problem IS NOT NULL THEN
        RETURN wos_refusal(422, v_problem, 'value');
    END IF;
    v_text := CASE WHEN jsonb_typeof(p_value) = 'null' THEN NULL
                   WHEN s.data_type = 'string' THEN p_value #>> '{}'
                   WHEN s.data_type = 'integer' THEN ((p_value #>> '{}')::numeric)::bigint::text
                   ELSE p_value::text END;
    IF v_text IS NOT DISTINCT FROM s.value THEN
        RETURN wos_ok(wos_setting_json(s));
    END IF;
    IF p_key IN ('attendance.full_leave_below_minutes', 'attendance.half_day_below_minutes',
                 'attendance.full_day_above_minutes') THEN
        SELECT max(CASE x.key WHEN 'attendance.full_leave_below_minutes' THEN x.value END)::integer,
               max(CASE x.key WHEN 'attendance.half_day_below_minutes' THEN x.value END)::integer,
               max(CASE x.key WHEN 'attendance.full_day_above_minutes' THEN x.value END)::integer
          INTO v_full_leave, v_half_day, v_full_day
          FROM (SELECT y.key, CASE WHEN y.key = p_key THEN v_text ELSE y.value END AS value
                  FROM application_settings y WHERE y.workspace_id = p_ws) x;
        IF NOT (v_full_leave <= v_half_day AND v_half_day <= v_full_day) THEN
            RETURN wos_refusal(422, 'Attendance thresholds must keep full_leave_below_minutes '
                '<= half_day_below_minutes <= full_day_above_minutes.', 'value');
        END IF;
    END IF;
    v_old := s.value;
    UPDATE application_settings x SET value = v_text
     WHERE x.workspace_id = p_ws AND x.id = s.id
    RETURNING * INTO s;
    PERFORM wos_audit_append(p_ws, p_actor, 'setting.updated', 'setting', s.id, s.key,
        jsonb_build_object('value', (wos_setting_value(s.data_type, v_old))::jsonb),
        jsonb_build_object('value', p_value), NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_setting_json(s));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Audit log reading (spec 08 §2.2)
-- ---------------------------------------------------------------------------------------------

-- The current name of an audited entity, for rows written without a label.
CREATE FUNCTION wos_audit_entity_name(p_ws uuid, p_type text, p_id uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE p_type
        WHEN 'user' THEN (SELECT u.full_name FROM users u WHERE u.id = p_id)
        WHEN 'department' THEN (SELECT d.name FROM departments d
                                 WHERE d.workspace_id = p_ws AND d.id = p_id)
        WHEN 'shift' THEN (SELECT s.name FROM shifts s WHERE s.workspace_id = p_ws AND s.id = p_id)
        WHEN 'holiday' THEN (SELECT h.name FROM holidays h
                              WHERE h.workspace_id = p_ws AND h.id = p_id)
        WHEN 'role' THEN (SELECT r.label FROM roles r WHERE r.workspace_id = p_ws AND r.id = p_id)
        WHEN 'announcement' THEN (SELECT a.title FROM announcements a
                                   WHERE a.workspace_id = p_ws AND a.id = p_id)
        WHEN 'workspace' THEN (SELECT w.name FROM workspaces w WHERE w.id = p_id)
    END
$$;

-- A bound given as a date (YYYY-MM-DD, a day of the workspace's timezone) or an instant.
-- p_end: a date bound means the end of that day.
CREATE FUNCTION wos_time_bound(p_ws uuid, p_value text, p_end boolean) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_value IS NULL THEN NULL
                WHEN length(p_value) = 10
                THEN ((p_value::date + CASE WHEN p_end THEN 1 ELSE 0 END)::timestamp
                      AT TIME ZONE w.timezone)
                ELSE p_value::timestamptz END
      FROM workspaces w WHERE w.id = p_ws
$$;

-- GET /audit-logs: newest first, {items, total, limit, offset}; names beside ids ("System"
-- when no actor).
CREATE FUNCTION wos_audit_list(p_ws uuid, p_entity_type text, p_entity_id uuid, p_action text,
    p_actor uuid, p_from text, p_to text, p_limit integer, p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH b AS (
        SELECT wos_time_bound(p_ws, p_from, false) AS lo, wos_time_bound(p_ws, p_to, true) AS hi,
               p_to IS NOT NULL AND length(p_to) = 10 AS hi_exclusive
    ), found AS (
        SELECT a.* FROM audit_logs a CROSS JOIN b
         WHERE a.workspace_id = p_ws
           AND (p_entity_type IS NULL OR a.entity_type = p_entity_type)
           AND (p_entity_id IS NULL OR a.entity_id = p_entity_id)
           AND (p_action IS NULL OR a.action_type = p_action)
           AND (p_actor IS NULL OR a.actor_user_id = p_actor)
           AND (b.lo IS NULL OR a.created_at >= b.lo)
           AND (b.hi IS NULL OR a.created_at < b.hi OR (NOT b.hi_exclusive AND a.created_at = b.hi))
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(json_build_object(
                     'id', a.id, 'seq', a.seq, 'actor_user_id', a.actor_user_id,
                     'actor_name', CASE WHEN a.actor_user_id IS NULL THEN 'System'
                                        ELSE coalesce(u.full_name, 'Unknown') END,
                     'action_type', a.action_type, 'entity_type', a.entity_type,
                     'entity_id', a.entity_id,
                     'entity_label', coalesce(a.entity_label,
                                              wos_audit_entity_name(p_ws, a.entity_type,
                                                                    a.entity_id), 'Unknown'),
                     'old_value', a.old_value, 'new_value', a.new_value,
                     'extra_metadata', a.metadata, 'ip_address', a.ip_address,
                     'request_id', a.request_id, 'created_at', wos_utc_text(a.created_at))
                   ORDER BY a.seq DESC)
             FROM (SELECT * FROM found ORDER BY seq DESC LIMIT p_limit OFFSET p_offset) a
             LEFT JOIN users u ON u.id = a.actor_user_id), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- ---------------------------------------------------------------------------------------------
-- Announcements (spec 08 §3)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_announcement_json(a announcements) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'title', a.title, 'content', a.content, 'content_html', a.content_html,
        'audience', a.audience, 'target_department_id', a.target_department_id,
        'target_department_name', (SELECT d.name FROM departments d
                                    WHERE d.workspace_id = a.workspace_id
                                      AND d.id = a.target_department_id),
        'priority', a.priority, 'status', a.status, 'is_active', a.is_active,
        'notify_email', a.notify_email,
        'start_date', wos_utc_text(a.start_date), 'end_date', wos_utc_text(a.end_date),
        'is_expired', coalesce(a.end_date < now(), false),
        'is_scheduled', coalesce(a.start_date > now(), false),
        'created_by', a.created_by,
        'created_by_name', coalesce((SELECT u.full_name FROM users u WHERE u.id = a.created_by),
                                    'Unknown'),
        'created_at', wos_utc_text(a.created_at), 'updated_at', wos_utc_text(a.updated_at))
$$;

-- Whether a member of role p_role in department p_dept is in the announcement's audience.
CREATE FUNCTION wos_announcement_reaches(a announcements, p_role text, p_dept uuid)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (a.audience = 'all' OR a.audience = p_role
            OR (a.audience = 'employee' AND p_role IN ('employee', 'intern', 'junior_employee')))
       AND (a.target_department_id IS NULL OR a.target_department_id = p_dept)
$$;

-- Visibility (spec 08 §3.2 with the product decisions): active, started, not ended unless
-- asked; admin and HR see every active one, others what reaches them.
CREATE FUNCTION wos_announcement_visible(a announcements, p_role text, p_dept uuid,
    p_include_expired boolean)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT a.status = 'active'
       AND (p_role IN ('admin', 'hr_operations') OR wos_announcement_reaches(a, p_role, p_dept))
       AND (a.start_date IS NULL OR a.start_date <= now())
       AND (p_include_expired OR a.end_date IS NULL OR a.end_date >= now())
$$;

-- GET /announcements, /announcements/visible, /announcements/active (p_limit NULL: all).
CREATE FUNCTION wos_announcements_visible(p_ws uuid, p_actor uuid, p_include_expired boolean,
    p_limit integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(wos_announcement_json(v) ORDER BY v.created_at DESC, v.id), '[]'::json)
      FROM (SELECT a.*
              FROM announcements a
              JOIN memberships m ON m.workspace_id = a.workspace_id AND m.user_id = p_actor
              JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
             WHERE a.workspace_id = p_ws
               AND wos_announcement_visible(a, r.name, m.department_id, p_include_expired)
             ORDER BY a.created_at DESC, a.id
             LIMIT p_limit) v
$$;

-- GET /announcements/all: every announcement, newest first.
CREATE FUNCTION wos_announcements_all(p_ws uuid) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT coalesce(json_agg(wos_announcement_json(a) ORDER BY a.created_at DESC, a.id),
                    '[]'::json)
      FROM announcements a WHERE a.workspace_id = p_ws
$$;

-- Active members an announcement reaches, the actor excepted.
CREATE FUNCTION wos_announcement_recipients(p_ws uuid, p_actor uuid, a announcements)
RETURNS TABLE (user_id uuid, email text, full_name text)
LANGUAGE sql STABLE AS $$
    SELECT m.user_id, u.email, u.full_name
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.status = 'active' AND u.status = 'active'
       AND m.user_id <> p_actor AND wos_announcement_reaches(a, r.name, m.department_id)
$$;

-- Fan-out when an announcement becomes active (spec 08 §3.4): an in-app notification to every
-- member it reaches, and, with notify_email, an e-mail job each (idempotent per announcement
-- and member). Returns the number of recipients.
CREATE FUNCTION wos_announcement_fan_out(p_ws uuid, p_actor uuid, a announcements,
    p_frontend text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
                               related_entity_type, related_entity_id)
    SELECT p_ws, f.user_id, 'New announcement', left(a.title, 200), 'system', 'announcement',
           a.id
      FROM wos_announcement_recipients(p_ws, p_actor, a) f;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF a.notify_email THEN
        PERFORM wos_job_enqueue('email', jsonb_build_object(
                    'template', 'announcement', 'to', f.email, 'to_name', f.full_name,
                    'workspace_name', w.name,
                    'vars', jsonb_build_object('name', f.full_name, 'title', a.title,
                                               'content', a.content,
                                               'content_html', a.content_html,
                                               'priority', a.priority,
                                               'workspace_name', w.name,
                                               'link', rtrim(p_frontend, '/') || '/dashboard')),
                    'announcement:' || a.id || ':' || f.user_id, p_ws, NULL, 8)
          FROM wos_announcement_recipients(p_ws, p_actor, a) f CROSS JOIN workspaces w
         WHERE w.id = p_ws;
    END IF;
    RETURN v_count;
END
$$;

-- The audited fields of an announcement (content_html follows content).
CREATE FUNCTION wos_announcement_state(a announcements) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('title', a.title, 'content', a.content, 'audience', a.audience,
                              'target_department_id', a.target_department_id,
                              'priority', a.priority, 'status', a.status,
                              'notify_email', a.notify_email, 'start_date', a.start_date,
                              'end_date', a.end_date)
$$;

-- Checks shared by create and update: audience (lower-cased, trimmed), department, dates.
CREATE FUNCTION wos_announcement_problem(p_ws uuid, a announcements) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN a.audience NOT IN ('all', 'employee', 'admin', 'hr_operations', 'manager',
                                'team_lead', 'intern', 'junior_employee')
        THEN wos_refusal(422, 'Invalid audience. Allowed: admin, all, employee, hr_operations, '
                              'intern, junior_employee, manager, team_lead', 'audience')
        WHEN a.target_department_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM departments d
             WHERE d.workspace_id = p_ws AND d.id = a.target_department_id)
        THEN wos_refusal(422, 'Department not found', 'target_department_id')
        WHEN a.start_date IS NOT NULL AND a.end_date IS NOT NULL AND a.end_date < a.start_date
        THEN wos_refusal(422, 'end_date must not be before start_date', 'end_date')
    END
$$;

-- POST /announcements: p_html is the server-rendered, sanitized content. The status defaults
-- to active (the spec's is_active=true default).
CREATE FUNCTION wos_announcement_create(p_ws uuid, p_actor uuid, p_body jsonb, p_html text,
    p_frontend text, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a announcements%ROWTYPE;
    v_refusal json;
    v_recipients integer := 0;
BEGIN
    a.workspace_id := p_ws;
    a.title := btrim(p_body ->> 'title');
    a.content := p_body ->> 'content';
    a.content_html := p_html;
    a.audience := lower(btrim(coalesce(p_body ->> 'audience', 'all')));
    a.target_department_id := (p_body ->> 'target_department_id')::uuid;
    a.priority := coalesce(p_body ->> 'priority', 'normal');
    a.status := coalesce(p_body ->> 'status', 'active');
    a.notify_email := coalesce((p_body ->> 'notify_email')::boolean, false);
    a.start_date := (p_body ->> 'start_date')::timestamptz;
    a.end_date := (p_body ->> 'end_date')::timestamptz;
    v_refusal := wos_announcement_problem(p_ws, a);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    INSERT INTO announcements (workspace_id, title, content, content_html, audience, start_date,
                               end_date, created_by, target_department_id, priority, status,
                               notify_email)
    VALUES (p_ws, a.title, a.content, a.content_html, a.audience, a.start_date, a.end_date,
            p_actor, a.target_department_id, a.priority, a.status, a.notify_email)
    RETURNING * INTO a;
    IF a.status = 'active' THEN
        v_recipients := wos_announcement_fan_out(p_ws, p_actor, a, p_frontend);
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor, 'announcement.created', 'announcement', a.id,
        a.title, NULL, wos_announcement_state(a),
        jsonb_build_object('recipients_notified', v_recipients), p_ip, p_request_id);
    RETURN wos_ok(wos_announcement_json(a), 201);
END
$$;

-- PATCH /announcements/{id}: partial; p_html is set when content changed. Status moves only
-- forward: draft -> active -> archived (a draft may also be archived directly).
CREATE FUNCTION wos_announcement_update(p_ws uuid, p_actor uuid, p_id uuid, p_body jsonb,
    p_html text, p_frontend text, p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    old announcements%ROWTYPE;
    a announcements%ROWTYPE;
    v_refusal json;
    v_recipients integer := 0;
    c record;
BEGIN
    SELECT * INTO old FROM announcements x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN wos_refusal(404, 'Announcement not found');
    END IF;
    a := old;
    IF p_body ? 'title' THEN
        a.title := btrim(p_body ->> 'title');
    END IF;
    IF p_body ? 'content' THEN
        a.content := p_body ->> 'content';
        a.content_html := p_html;
    END IF;
    IF p_body ? 'audience' THEN
        a.audience := lower(btrim(p_body ->> 'audience'));
    END IF;
    IF p_body ? 'target_department_id' THEN
        a.target_department_id := (p_body ->> 'target_department_id')::uuid;
    END IF;
    a.priority := coalesce(p_body ->> 'priority', a.priority);
    a.status := coalesce(p_body ->> 'status', a.status);
    a.notify_email := coalesce((p_body ->> 'notify_email')::boolean, a.notify_email);
    IF p_body ? 'start_date' THEN
        a.start_date := (p_body ->> 'start_date')::timestamptz;
    END IF;
    IF p_body ? 'end_date' THEN
        a.end_date := (p_body ->> 'end_date')::timestamptz;
    END IF;
    IF a.status <> old.status AND NOT (old.status = 'draft' AND a.status IN ('active', 'archived')
                                      OR old.status = 'active' AND a.status = 'archived') THEN
        RETURN wos_refusal(409, format('An announcement cannot go from %s back to %s.',
                                       old.status, a.status));
    END IF;
    v_refusal := wos_announcement_problem(p_ws, a);
    IF v_refusal IS NOT NULL THEN
        RETURN v_refusal;
    END IF;
    SELECT * INTO c FROM wos_jsonb_changes(wos_announcement_state(old),
                                           wos_announcement_state(a));
    IF c.new_value = '{}'::jsonb THEN
        RETURN wos_ok(wos_announcement_json(old));
    END IF;
    UPDATE announcements x
       SET title = a.title, content = a.content, content_html = a.content_html,
           audience = a.audience, target_department_id = a.target_department_id,
           priority = a.priority, status = a.status, notify_email = a.notify_email,
           start_date = a.start_date, end_date = a.end_date
     WHERE x.workspace_id = p_ws AND x.id = p_id
    RETURNING * INTO a;
    IF old.status = 'draft' AND a.status = 'active' THEN
        v_recipients := wos_announcement_fan_out(p_ws, p_actor, a, p_frontend);
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor, 'announcement.updated', 'announcement', a.id,
        a.title, c.old_value, c.new_value,
        CASE WHEN v_recipients > 0 THEN jsonb_build_object('recipients_notified', v_recipients)
        END, p_ip, p_request_id);
    RETURN wos_ok(wos_announcement_json(a));
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Alerts (spec 08 §1.3): scoped like members; generation arrives with attendance, leave, tasks.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_alert_json(a alerts) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', a.id, 'alert_type', a.alert_type, 'severity', a.severity, 'status', a.status,
        'title', a.title, 'message', a.message,
        'recipient_user_id', a.recipient_user_id,
        'recipient_name', coalesce((SELECT u.full_name FROM users u
                                     WHERE u.id = a.recipient_user_id), 'Unknown'),
        'related_entity_type', a.related_entity_type, 'related_entity_id', a.related_entity_id,
        'related_entity_label', CASE WHEN a.related_entity_type = 'user'
                                     THEN (SELECT u.full_name FROM users u
                                            WHERE u.id = a.related_entity_id) END,
        'email_status', a.email_status, 'created_at', wos_utc_text(a.created_at),
        'resolved_at', wos_utc_text(a.resolved_at), 'resolution_note', a.resolution_note,
        'resolved_by', a.resolved_by,
        'resolved_by_name', (SELECT u.full_name FROM users u WHERE u.id = a.resolved_by))
$$;

-- GET /alerts: alerts addressed to members in the caller's scope (p_mine: to the caller only),
-- newest first, {items, total, limit, offset}.
CREATE FUNCTION wos_alerts_list(p_ws uuid, p_actor uuid, p_mine boolean, p_status text,
    p_severity text, p_type text, p_user uuid, p_limit integer, p_offset integer)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH found AS (
        SELECT a.* FROM alerts a
         WHERE a.workspace_id = p_ws
           AND CASE WHEN p_mine THEN a.recipient_user_id = p_actor
                    ELSE a.recipient_user_id IN (SELECT s.user_id
                                                   FROM wos_member_scope(p_ws, p_actor) s) END
           AND (p_status IS NULL OR a.status = p_status)
           AND (p_severity IS NULL OR a.severity = p_severity)
           AND (p_type IS NULL OR a.alert_type = p_type)
           AND (p_user IS NULL OR a.recipient_user_id = p_user)
    )
    SELECT json_build_object(
        'items', coalesce((SELECT json_agg(wos_alert_json(f) ORDER BY f.created_at DESC, f.id)
                             FROM (SELECT * FROM found ORDER BY created_at DESC, id
                                   LIMIT p_limit OFFSET p_offset) f), '[]'::json),
        'total', (SELECT count(*) FROM found),
        'limit', p_limit, 'offset', p_offset)
$$;

-- PATCH /alerts/{id}/resolve and /dismiss {note?}: anyone whose scope covers the recipient.
CREATE FUNCTION wos_alert_close(p_ws uuid, p_actor uuid, p_id uuid, p_status text, p_note text,
    p_ip text, p_request_id text)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    a alerts%ROWTYPE;
BEGIN
    SELECT * INTO a FROM alerts x WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND OR NOT wos_member_in_scope(p_ws, p_actor, a.recipient_user_id) THEN
        RETURN wos_refusal(404, 'Alert not found');
    END IF;
    IF a.status <> 'open' THEN
        RETURN wos_refusal(409, format('This alert is already %s.', a.status));
    END IF;
    UPDATE alerts x
       SET status = p_status, resolved_at = now(), resolved_by = p_actor,
           resolution_note = nullif(btrim(p_note), ''),
           email_status = CASE WHEN p_status = 'dismissed' AND x.email_status = 'queued'
                               THEN 'dismissed' ELSE x.email_status END
     WHERE x.workspace_id = p_ws AND x.id = p_id
    RETURNING * INTO a;
    PERFORM wos_audit_append(p_ws, p_actor,
        CASE p_status WHEN 'resolved' THEN 'alert.resolved' ELSE 'alert.dismissed' END,
        'alert', a.id, a.title, jsonb_build_object('status', 'open'),
        jsonb_strip_nulls(jsonb_build_object('status', p_status, 'note', a.resolution_note)),
        NULL, p_ip, p_request_id);
    RETURN wos_ok(wos_alert_json(a));
END
$$;
