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
