-- the definitions before 0012_sql_speed (of 0001, 0002, 0004-0008 and 0010), restored as they were
-- (in reverse order of the up script), and the functions 0012 added dropped
CREATE OR REPLACE FUNCTION wos_leave_visible(p_ws uuid, p_actor uuid, l leave_requests) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT l.user_id = p_actor
        OR l.current_approver_id IS NOT DISTINCT FROM p_actor
        OR l.escalated_from_id IS NOT DISTINCT FROM p_actor
        OR wos_leave_in_scope(p_ws, p_actor, l.user_id)
        OR EXISTS (SELECT 1 FROM approval_timeline t
                    WHERE t.workspace_id = p_ws AND t.entity_type = 'leave_request'
                      AND t.entity_id = l.id AND t.actor_id = p_actor)
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

CREATE OR REPLACE FUNCTION wos_leave_list(p_ws uuid, p_actor uuid, p_status text, p_user uuid,
    p_from date, p_to date, p_type text, p_limit integer, p_offset integer,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_user IS NOT NULL AND NOT wos_leave_in_scope(p_ws, p_actor, p_user) THEN
        status := 404;
        body := wos_leave_refusal('Member not found');
        RETURN;
    END IF;
    status := 200;
    SELECT jsonb_build_object(
               'items', coalesce((SELECT jsonb_agg(wos_leave_json(p) ORDER BY p.start_date DESC,
                                                   p.created_at DESC, p.id)
                                    FROM (SELECT * FROM wos_leave_filtered(p_ws, p_actor,
                                                     p_status, p_user, p_from, p_to, p_type) f
                                           ORDER BY f.start_date DESC, f.created_at DESC, f.id
                                           LIMIT p_limit OFFSET p_offset) p), '[]'::jsonb),
               'total', (SELECT count(*) FROM wos_leave_filtered(p_ws, p_actor, p_status,
                                                                 p_user, p_from, p_to, p_type)),
               'limit', p_limit, 'offset', p_offset)::text
      INTO body;
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_json(l leave_requests) RETURNS jsonb
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
        'balance', wos_leave_balance(l.workspace_id, l.user_id,
                                     extract(year FROM l.start_date)::integer, l.leave_type),
        'created_at', wos_utc_text(l.created_at), 'updated_at', wos_utc_text(l.updated_at))
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
    PERFORM wos_audit_append(p_ws, p_actor, 'leave.cancelled', 'leave_request', l.id,
        wos_leave_name(p_actor), wos_leave_audit_state(v_old), wos_leave_audit_state(l), NULL,
        p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, l.current_approver_id, 'Leave request cancelled',
        wos_leave_name(p_actor) || ' cancelled their leave request.', l.id);
    status := 200;
    body := wos_leave_json(l)::text;
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
    PERFORM wos_audit_append(p_ws, p_user, 'leave.created', 'leave_request', l.id,
        wos_leave_name(p_user), NULL, wos_leave_audit_state(l), NULL, p_ip, p_rid);
    PERFORM wos_leave_notify(p_ws, v_approver, 'Leave request submitted',
        wos_leave_name(p_user) || ' submitted a leave request for your approval.', l.id);
    PERFORM wos_leave_mail_pending(l, 'leave:' || v_entry);
    status := 201;
    body := wos_leave_json(l)::text;
END
$$;

CREATE OR REPLACE FUNCTION wos_leave_overlap_refusal(p_ws uuid, p_user uuid, p_start date, p_end date,
    p_half boolean, p_period text, p_exclude uuid)
RETURNS text
LANGUAGE sql STABLE AS $$
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
     LIMIT 1
$$;

CREATE OR REPLACE FUNCTION wos_leave_mail(p_ws uuid, p_to uuid, p_template text, p_vars jsonb,
    p_key text)
RETURNS uuid
LANGUAGE sql AS $$
    SELECT wos_job_enqueue('email',
               jsonb_build_object('template', p_template, 'to', u.email,
                                  'to_name', u.full_name, 'vars', p_vars),
               p_key, p_ws)
      FROM users u WHERE u.id = p_to
$$;

CREATE OR REPLACE FUNCTION wos_leave_lock(p_ws uuid, p_user uuid) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1464816460, hashtext(p_ws::text || ':' || p_user::text))
$$;

CREATE OR REPLACE FUNCTION wos_leave_notify(p_ws uuid, p_to uuid, p_title text, p_message text,
    p_id uuid)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
        related_entity_type, related_entity_id)
    SELECT p_ws, p_to, p_title, p_message, 'system', 'leave_request', p_id
     WHERE p_to IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION wos_leave_timeline_add(p_ws uuid, p_id uuid, p_actor uuid, p_action text,
    p_comment text, p_at timestamptz DEFAULT NULL)
RETURNS uuid
LANGUAGE sql AS $$
    INSERT INTO approval_timeline (workspace_id, entity_type, entity_id, actor_id, action,
        comment, created_at, updated_at)
    VALUES (p_ws, 'leave_request', p_id, p_actor, p_action, p_comment,
            coalesce(p_at, now()), coalesce(p_at, now()))
    RETURNING id
$$;

CREATE OR REPLACE FUNCTION wos_leave_first_active(p_ws uuid, p_role text, p_not uuid[]) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT m.user_id
      FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
      JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND r.name = p_role AND m.status = 'active'
       AND u.status = 'active' AND NOT coalesce(m.user_id = ANY (p_not), false)
     ORDER BY m.created_at, m.user_id
     LIMIT 1
$$;

CREATE OR REPLACE FUNCTION wos_leave_route(p_ws uuid, p_user uuid) RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT mm.user_id
           FROM memberships m
           JOIN memberships mm ON mm.workspace_id = m.workspace_id AND mm.user_id = m.manager_id
           JOIN users u ON u.id = mm.user_id
          WHERE m.workspace_id = p_ws AND m.user_id = p_user AND mm.user_id <> p_user
            AND mm.status = 'active' AND u.status = 'active'),
        wos_leave_first_active(p_ws, 'hr_operations', ARRAY[p_user]),
        wos_leave_first_active(p_ws, 'admin', ARRAY[p_user]))
$$;

CREATE OR REPLACE FUNCTION wos_leave_balance(p_ws uuid, p_user uuid, p_year integer, p_type text,
    p_exclude uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
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
      FROM cfg, used
$$;

CREATE OR REPLACE FUNCTION wos_leave_days(p_ws uuid, p_user uuid, p_from date, p_to date, p_half boolean)
RETURNS numeric
LANGUAGE sql STABLE AS $$
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
                        WHERE h.workspace_id = p_ws AND h.holiday_date = g.d::date AND h.is_active)
$$;

CREATE OR REPLACE FUNCTION wos_leave_setting(p_ws uuid, p_key text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT s.value FROM application_settings s WHERE s.workspace_id = p_ws AND s.key = p_key
$$;

CREATE OR REPLACE FUNCTION wos_leave_name(p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT u.full_name::text FROM users u WHERE u.id = p_user), 'Unknown')
$$;

CREATE OR REPLACE FUNCTION wos_att_window(p_date date, p_start time, p_end time, p_tz text,
    OUT start_at timestamptz, OUT end_at timestamptz)
LANGUAGE sql STABLE STRICT AS $$
    SELECT wos_att_local_instant(p_date + p_start, p_tz),
           wos_att_local_instant((p_date + CASE WHEN p_end <= p_start THEN 1 ELSE 0 END)
                                 + p_end, p_tz)
$$;

CREATE OR REPLACE FUNCTION wos_att_daily_stats(p_ws uuid, p_session uuid) RETURNS void
LANGUAGE sql AS $$
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
           is_absent = false, is_wfh = EXCLUDED.is_wfh
$$;

CREATE OR REPLACE FUNCTION wos_att_finish(p_ws uuid, p_session uuid, p_out timestamptz) RETURNS void
LANGUAGE sql AS $$
    UPDATE attendance_sessions s
       SET check_out_at = p_out, session_status = 'completed',
           worked_minutes = wos_att_minutes(s.check_in_at, p_out),
           total_hours = extract(epoch FROM p_out - s.check_in_at)::double precision / 3600,
           attendance_classification = wos_att_classify(wos_att_minutes(s.check_in_at, p_out),
               st.full_leave_below, st.half_day_below, st.full_day_above)
      FROM wos_att_settings(p_ws) st
     WHERE s.workspace_id = p_ws AND s.id = p_session
$$;

CREATE OR REPLACE FUNCTION wos_att_member_shift(p_ws uuid, p_user uuid, OUT shift_id uuid,
    OUT shift_name text, OUT start_time time, OUT end_time time, OUT tz text,
    OUT grace_minutes integer, OUT working_days text)
LANGUAGE sql STABLE AS $$
    SELECT s.id, s.name::text, s.start_time, s.end_time, wos_att_zone(s.timezone, w.timezone),
           s.grace_period_minutes, s.working_days::text
      FROM workspaces w
      LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = p_user
      LEFT JOIN shifts s ON s.workspace_id = m.workspace_id AND s.id = m.shift_id
     WHERE w.id = p_ws
$$;

CREATE OR REPLACE FUNCTION wos_att_settings(p_ws uuid, OUT full_leave_below integer,
    OUT half_day_below integer, OUT full_day_above integer, OUT max_active_hours integer,
    OUT auto_close_grace_minutes integer)
LANGUAGE sql STABLE AS $$
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
$$;

CREATE OR REPLACE FUNCTION wos_att_lateness(p_at timestamptz, p_expected_start timestamptz,
    p_grace_minutes integer, OUT is_late boolean, OUT late_minutes integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(p_at > p_expected_start + make_interval(mins => coalesce(p_grace_minutes, 0)),
                    false),
           CASE WHEN p_at > p_expected_start + make_interval(mins => coalesce(p_grace_minutes, 0))
                THEN wos_att_minutes(p_expected_start, p_at) ELSE 0 END
$$;

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
               'items', coalesce((SELECT jsonb_agg(wos_att_session_json(p)
                                                   ORDER BY p.check_in_at DESC, p.id)
                                    FROM page p), '[]'::jsonb),
               'total', (SELECT count(*) FROM rows), 'limit', p_limit, 'offset', p_offset)::text
      INTO body;
END
$$;

CREATE OR REPLACE FUNCTION wos_att_session_json(s attendance_sessions) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'user_id', s.user_id,
        'user_full_name', (SELECT u.full_name FROM users u WHERE u.id = s.user_id),
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
        'breaks', coalesce((SELECT jsonb_agg(wos_att_break_json(b) ORDER BY b.started_at, b.id)
                              FROM attendance_breaks b
                             WHERE b.workspace_id = s.workspace_id
                               AND b.attendance_session_id = s.id), '[]'::jsonb),
        'active_break', (SELECT wos_att_break_json(b) FROM attendance_breaks b
                          WHERE b.workspace_id = s.workspace_id
                            AND b.attendance_session_id = s.id AND b.ended_at IS NULL))
$$;

CREATE OR REPLACE FUNCTION wos_att_utc(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
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

CREATE OR REPLACE FUNCTION wos_user_read(p_ws uuid, p_user uuid, p_online_ttl integer) RETURNS json
LANGUAGE sql STABLE AS $$
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
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE OR REPLACE FUNCTION wos_att_role(p_ws uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.name FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE OR REPLACE FUNCTION wos_member_role(p_ws uuid, p_user uuid, OUT name text, OUT rank integer,
    OUT role_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT r.name, r.rank::integer, r.id
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

CREATE OR REPLACE FUNCTION wos_has_permission(p_ws uuid, p_user uuid, p_role uuid, p_perm text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT o.granted
           FROM user_permission_overrides o
           JOIN permissions p ON p.id = o.permission_id
          WHERE o.workspace_id = p_ws AND o.user_id = p_user AND p.code = p_perm),
        EXISTS (SELECT 1
                  FROM role_permissions rp
                  JOIN permissions p ON p.id = rp.permission_id
                 WHERE rp.workspace_id = p_ws AND rp.role_id = p_role AND p.code = p_perm))
$$;

CREATE OR REPLACE FUNCTION wos_att_sees(p_ws uuid, p_actor uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_user = p_actor
           OR EXISTS (SELECT 1 FROM wos_att_scope(p_ws, p_actor) v WHERE v.user_id = p_user)
$$;

CREATE OR REPLACE FUNCTION wos_att_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE actor AS (
        SELECT wos_att_role(p_ws, p_actor) AS role
    ), chain AS (
        SELECT m.user_id FROM memberships m, actor a
         WHERE m.workspace_id = p_ws AND m.manager_id = p_actor
           AND a.role IN ('manager', 'team_lead')
        UNION
        SELECT m.user_id FROM chain c
          JOIN memberships m ON m.workspace_id = p_ws AND m.manager_id = c.user_id, actor a
         WHERE a.role = 'manager'
    )
    SELECT m.user_id FROM memberships m, actor a
     WHERE m.workspace_id = p_ws AND a.role IN ('admin', 'hr_operations')
    UNION
    SELECT c.user_id FROM chain c WHERE c.user_id <> p_actor
$$;

CREATE OR REPLACE FUNCTION wos_leave_in_scope(p_ws uuid, p_actor uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM wos_leave_scope(p_ws, p_actor) s WHERE s.user_id = p_user)
$$;

CREATE OR REPLACE FUNCTION wos_leave_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE k AS (
        SELECT wos_leave_scope_kind(p_ws, p_actor) AS kind
    ), below (uid) AS (
        SELECT m.user_id FROM memberships m CROSS JOIN k
         WHERE m.workspace_id = p_ws AND m.manager_id = p_actor AND k.kind IN ('chain', 'direct')
        UNION
        SELECT m.user_id FROM below b
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

CREATE OR REPLACE FUNCTION wos_leave_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.name IN ('admin', 'hr_operations')
                  OR wos_has_permission(p_ws, p_actor, r.id, 'leave.view_org') THEN 'all'
                WHEN r.name = 'manager' THEN 'chain'
                WHEN r.name = 'team_lead' THEN 'direct'
                ELSE 'self' END
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor
$$;

CREATE OR REPLACE FUNCTION wos_member_in_scope(p_ws uuid, p_actor uuid, p_target uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE wos_member_scope_kind(p_ws, p_actor)
               WHEN 'all' THEN EXISTS (SELECT 1 FROM memberships m
                                        WHERE m.workspace_id = p_ws AND m.user_id = p_target)
               WHEN 'self' THEN p_target = p_actor
               ELSE EXISTS (SELECT 1 FROM wos_member_scope(p_ws, p_actor) s
                             WHERE s.user_id = p_target) END
$$;

CREATE OR REPLACE FUNCTION wos_member_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
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

CREATE OR REPLACE FUNCTION wos_member_scope_kind(p_ws uuid, p_actor uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.name IN ('admin', 'hr_operations')
                  OR wos_has_permission(p_ws, p_actor, r.id, 'users.view_all') THEN 'all'
                WHEN r.name = 'manager' THEN 'chain'
                WHEN r.name = 'team_lead' THEN 'direct'
                ELSE 'self' END
      FROM memberships m JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor
$$;

CREATE OR REPLACE FUNCTION wos_scope_ids(p_ws uuid, p_actor uuid, p_kind text) RETURNS uuid[]
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

DROP FUNCTION wos_scope_kind(uuid, uuid, text);
DROP FUNCTION wos_scope_of(uuid, uuid, text);
DROP FUNCTION wos_scope_has(uuid, uuid, text, uuid);
DROP FUNCTION wos_att_session_build(attendance_sessions, text, jsonb, jsonb);
DROP FUNCTION wos_leave_json_with(leave_requests, jsonb);
DROP FUNCTION wos_leave_items(leave_requests[], uuid);
DROP FUNCTION wos_leave_mine(uuid, uuid, integer, integer);
DROP FUNCTION wos_leave_pending(uuid, uuid, integer, integer);
DROP FUNCTION wos_attendance_corrections_pending(uuid, uuid, text, text, integer, integer);
DROP FUNCTION wos_attendance_exceptions(uuid, uuid, date, date, date, text, text, uuid, uuid, text, integer, integer, timestamptz);
DROP FUNCTION wos_approvals_pending(uuid, uuid, text, text, date, date, text, integer, integer);
