-- the definitions of 0012_sql_speed restored as they were (in reverse order of the up script)

CREATE OR REPLACE FUNCTION wos_leave_items(p_page leave_requests[], p_actor uuid DEFAULT NULL)
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

DROP FUNCTION wos_isodow(date);
