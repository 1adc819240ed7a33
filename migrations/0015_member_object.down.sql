-- Restores wos_user_read (0012) and wos_members_list (0014), drops wos_member_objects.

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
    -- and nests loops over 2,000 members).
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
    -- The page's objects in one join (the object of wos_user_read; every id of the page has
    -- its rows, found by the same joins in the same snapshot).
    RETURN json_build_object(
        'items', coalesce((
            SELECT json_agg(json_build_object(
                'id', u.id, 'full_name', u.full_name, 'phone', u.phone, 'email', u.email,
                'role', r.name, 'role_label', r.label, 'status', m.status,
                'account_status', u.status,
                'department', CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                                   THEN NULL ELSE m.department END,
                'department_id', m.department_id,
                'department_name', coalesce(d.name,
                    CASE WHEN m.department ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                         THEN NULL ELSE m.department END),
                'designation', m.designation, 'manager_id', m.manager_id,
                'manager_name', mu.full_name,
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
                ORDER BY x.n)
              FROM unnest(v_page) WITH ORDINALITY AS x (id, n)
              JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = x.id
              JOIN users u ON u.id = m.user_id
              JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
              LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
              LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
              LEFT JOIN users mu ON mu.id = m.manager_id
              CROSS JOIN LATERAL (SELECT coalesce(u.last_seen_at > now()
                                                  - make_interval(secs => greatest(p_online_ttl, 30)),
                                                  false) AS v) online), '[]'::json),
        'total', v_total, 'limit', p_limit, 'offset', p_offset);
END
$$;

DROP FUNCTION wos_member_objects(uuid, uuid[], integer);
