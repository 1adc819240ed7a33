-- message: list items set-based: GET /users and the leave lists build their page in one query
--
-- 1. wos_members_list built each of the page's member objects with one call of wos_user_read
--    (a plan-cached query per member, ~2 ms for 50 members). The page is now one join of the
--    page's ids (in page order) to memberships, users, roles, departments, shifts and the
--    managers, with the same object as wos_user_read (same keys, values and order of items).
-- 2. wos_leave_items (GET /leaves, /leaves/me, /leaves/pending) computed each distinct
--    (member, year, type) balance with wos_leave_balance, which called wos_leave_days_in_year
--    and so wos_leave_days per contributing request, plus wos_leave_days and up to three
--    wos_leave_name per item. Now: the page's members' working days once, the balances of the
--    page's distinct (member, year, type) in one grouped query over their requests, the item's
--    days and names joined; the same values and casts as wos_leave_balance, wos_leave_days and
--    wos_leave_json_with (the days counted over integer offsets with wos_isodow, new here, in
--    place of a timestamp series and extract(isodow)). Signatures unchanged; the down script
--    restores the 0012 definitions and drops wos_isodow.

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

-- The ISO day of the week of a date (1 = Monday .. 7 = Sunday; 2001-01-01 was a Monday) in
-- integer arithmetic: extract(isodow) of the same date, inlined, without the timestamp and
-- numeric steps.
CREATE FUNCTION wos_isodow(p_day date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((p_day - DATE '2001-01-01') % 7 + 7) % 7 + 1
$$;

-- The items of a page of requests, in the order given: the balances of the page's distinct
-- (member, year, type) in one grouped query (the values of wos_leave_balance), each item's days
-- (wos_leave_days) and names (wos_leave_name) joined, the object of wos_leave_json_with.
CREATE OR REPLACE FUNCTION wos_leave_items(p_page leave_requests[], p_actor uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    WITH page AS (
        SELECT p_page[i] AS r, i AS n FROM generate_subscripts(p_page, 1) AS i
    ), keys AS (
        SELECT DISTINCT (p.r).workspace_id AS ws, (p.r).user_id AS uid,
               extract(year FROM (p.r).start_date)::integer AS y,
               (p.r).leave_type::text AS t
          FROM page p
    ), wd AS (
        -- each member's working days (their shift's, else Monday to Friday)
        SELECT k.ws, k.uid,
               string_to_array(coalesce((SELECT s.working_days::text
                                           FROM memberships m
                                           JOIN shifts s ON s.workspace_id = m.workspace_id
                                                        AND s.id = m.shift_id
                                          WHERE m.workspace_id = k.ws AND m.user_id = k.uid),
                                        '1,2,3,4,5'), ',')::integer[] AS days
          FROM (SELECT DISTINCT ws, uid FROM keys) k
    ), used AS (
        SELECT k.ws, k.uid, k.y, k.t,
               coalesce(sum(d.days) FILTER (WHERE l.status = 'approved'), 0)::numeric(7, 1)
                   AS taken,
               coalesce(sum(d.days) FILTER (WHERE l.status <> 'approved'), 0)::numeric(7, 1)
                   AS pending
          FROM keys k
          JOIN wd ON wd.ws = k.ws AND wd.uid = k.uid
          LEFT JOIN leave_requests l
                 ON l.workspace_id = k.ws AND l.user_id = k.uid AND l.leave_type = k.t
                AND l.status IN ('approved', 'pending', 'escalated', 'needs_clarification')
                AND l.start_date <= make_date(k.y, 12, 31)
                AND l.end_date >= make_date(k.y, 1, 1)
          LEFT JOIN LATERAL (
                SELECT (count(*) * CASE WHEN l.is_half_day THEN 0.5 ELSE 1 END)::numeric(7, 1)
                           AS days
                  FROM (SELECT greatest(l.start_date, make_date(k.y, 1, 1)) + i AS d
                          FROM generate_series(0, least(l.end_date, make_date(k.y, 12, 31))
                                                  - greatest(l.start_date, make_date(k.y, 1, 1)))
                               AS i) g
                 WHERE wos_isodow(g.d) = ANY (wd.days)
                   AND NOT EXISTS (SELECT 1 FROM holidays h
                                    WHERE h.workspace_id = k.ws AND h.holiday_date = g.d
                                      AND h.is_active)) d ON l.id IS NOT NULL
         GROUP BY k.ws, k.uid, k.y, k.t
    ), bal AS (
        SELECT u.ws, u.uid, u.y, u.t,
               jsonb_build_object('leave_type', u.t, 'year', u.y,
                   'limited', cfg.entitled IS NOT NULL, 'entitled_days', cfg.entitled,
                   'adjustment_days', cfg.adjusted, 'taken_days', u.taken,
                   'pending_days', u.pending,
                   'remaining_days', cfg.entitled + cfg.adjusted - u.taken - u.pending,
                   'allow_negative', cfg.allow_negative) AS b
          FROM used u
          CROSS JOIN LATERAL (
                SELECT (SELECT s.value FROM application_settings s
                         WHERE s.workspace_id = u.ws
                           AND s.key = 'leave.entitlement_days.' || u.t)::numeric(7, 1)
                           AS entitled,
                       coalesce((SELECT s.value FROM application_settings s
                                  WHERE s.workspace_id = u.ws
                                    AND s.key = 'leave.allow_negative.' || u.t) = 'true',
                                false) AS allow_negative,
                       coalesce((SELECT b.adjusted_days FROM leave_balances b
                                  WHERE b.workspace_id = u.ws AND b.user_id = u.uid
                                    AND b.year = u.y AND b.leave_type = u.t), 0)::numeric(7, 1)
                           AS adjusted) cfg
    )
    SELECT coalesce(jsonb_agg(
               jsonb_build_object(
                   'id', (p.r).id, 'user_id', (p.r).user_id,
                   'user_full_name', coalesce(nu.full_name::text, 'Unknown'),
                   'start_date', (p.r).start_date, 'end_date', (p.r).end_date,
                   'leave_type', (p.r).leave_type,
                   'status', (p.r).status, 'is_half_day', (p.r).is_half_day,
                   'half_day_period', (p.r).half_day_period,
                   'reason', (p.r).reason, 'manager_comment', (p.r).manager_comment,
                   'current_approver_id', (p.r).current_approver_id,
                   'current_approver_name', CASE WHEN (p.r).current_approver_id IS NOT NULL
                                                 THEN coalesce(na.full_name::text, 'Unknown') END,
                   'escalated_from_id', (p.r).escalated_from_id,
                   'escalated_from_name', CASE WHEN (p.r).escalated_from_id IS NOT NULL
                                               THEN coalesce(ne.full_name::text, 'Unknown') END,
                   'escalated_at', wos_utc_text((p.r).escalated_at),
                   'escalation_count', (p.r).escalation_count,
                   'days', dd.days,
                   'balance', b.b,
                   'created_at', wos_utc_text((p.r).created_at),
                   'updated_at', wos_utc_text((p.r).updated_at))
               || CASE WHEN p_actor IS NOT NULL
                       THEN jsonb_build_object('available_actions',
                                wos_leave_actions((p.r).workspace_id, p_actor, p.r))
                       ELSE '{}'::jsonb END
               ORDER BY p.n), '[]'::jsonb)
      FROM page p
      JOIN bal b ON b.ws = (p.r).workspace_id AND b.uid = (p.r).user_id
                AND b.y = extract(year FROM (p.r).start_date)::integer
                AND b.t = (p.r).leave_type::text
      JOIN wd ON wd.ws = (p.r).workspace_id AND wd.uid = (p.r).user_id
      LEFT JOIN users nu ON nu.id = (p.r).user_id
      LEFT JOIN users na ON na.id = (p.r).current_approver_id
      LEFT JOIN users ne ON ne.id = (p.r).escalated_from_id
      CROSS JOIN LATERAL (
            SELECT (count(*) * CASE WHEN (p.r).is_half_day THEN 0.5 ELSE 1 END)::numeric(7, 1)
                       AS days
              FROM (SELECT (p.r).start_date + i AS d
                      FROM generate_series(0, (p.r).end_date - (p.r).start_date) AS i) g
             WHERE wos_isodow(g.d) = ANY (wd.days)
               AND NOT EXISTS (SELECT 1 FROM holidays h
                                WHERE h.workspace_id = (p.r).workspace_id
                                  AND h.holiday_date = g.d AND h.is_active)) dd);
END
$$;
