-- message: list queries filter by a scope array instead of joining a scope set
--
-- Joining the set-returning scope functions made the planner (generic plans, one-row estimates)
-- rescan the scope for every member: GET /users?limit=50 took ~550 ms in a 2,000-member
-- workspace. The scope is now computed once as an array (NULL = the whole workspace) and used as
-- a filter, which keeps the plan a plain scan of the workspace's rows. The array is an
-- uncorrelated scalar subquery, so PostgreSQL computes it once (an InitPlan); NULL (everyone)
-- turns the filter into `id = ANY (ARRAY[id])`.

-- NULL when p_kind is 'all'; else p_actor plus their reports ('direct': one level, 'chain': every
-- level below). UNION keeps a reporting cycle, should one ever exist, from looping.
CREATE FUNCTION wos_scope_ids(p_ws uuid, p_actor uuid, p_kind text) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_kind = 'all' THEN NULL ELSE ARRAY(
        WITH RECURSIVE below (uid) AS (
            SELECT m.user_id FROM memberships m
             WHERE m.workspace_id = p_ws AND m.manager_id = p_actor
               AND p_kind IN ('chain', 'direct')
            UNION
            SELECT m.user_id FROM below b
              JOIN memberships m ON m.workspace_id = p_ws AND m.manager_id = b.uid
             WHERE p_kind = 'chain'
        )
        SELECT p_actor UNION SELECT uid FROM below) END
$$;

CREATE OR REPLACE FUNCTION wos_members_list(p_ws uuid, p_actor uuid, p_role text, p_department_id uuid,
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
          FROM memberships m
          JOIN users u ON u.id = m.user_id
          JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
         WHERE m.workspace_id = p_ws
           AND m.user_id = ANY (coalesce((SELECT wos_scope_ids(p_ws, p_actor,
                                                  wos_member_scope_kind(p_ws, p_actor))),
                                         ARRAY[m.user_id]))
           AND (p_role IS NULL OR r.name = p_role)
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

CREATE OR REPLACE FUNCTION wos_leave_filtered(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text)
RETURNS SETOF leave_requests
LANGUAGE sql STABLE AS $$
    SELECT l.*
      FROM leave_requests l
     WHERE l.workspace_id = p_ws
       AND l.user_id = ANY (coalesce((SELECT wos_scope_ids(p_ws, p_actor,
                                                           wos_leave_scope_kind(p_ws, p_actor))),
                                     ARRAY[l.user_id]))
       AND (p_status IS NULL OR l.status = p_status)
       AND (p_user IS NULL OR l.user_id = p_user)
       AND (p_from IS NULL OR l.end_date >= p_from)
       AND (p_to IS NULL OR l.start_date <= p_to)
       AND (p_type IS NULL OR l.leave_type = p_type)
$$;
