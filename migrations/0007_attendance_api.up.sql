-- message: attendance API: check-in/out, breaks, corrections, views, exceptions
--
-- One function per attendance route (src/modules/attendance): each does the whole request in
-- one statement and returns (status, body): the HTTP status and the response body, the
-- response JSON on success (CSV text for exports), {"message", "details"} on a refusal.
-- Refusals do not RAISE: what the request legitimately did before refusing must commit with
-- it (the caller's stale session closed by auto-close, the audit row of a denied access).
-- Functions that depend on the clock take p_now; the API passes now().
--
-- Scope (spec 03 §1, product decision): admin/HR see the workspace, a manager the whole chain
-- of reports below them, a team lead their direct reports, everyone else themselves. A
-- session or member outside the caller's scope answers 404, exactly like one that does not
-- exist. Every query filters by the caller's workspace.

-- ---------------------------------------------------------------------------------------------
-- Representation
-- ---------------------------------------------------------------------------------------------

-- UTC text with a Z suffix (spec 00 §4.2); NULL stays NULL.
CREATE FUNCTION wos_att_utc(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- A refusal body: {"message", "details"}; details names the field when one is given.
CREATE FUNCTION wos_att_refusal(p_message text, p_field text DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('message', p_message, 'details',
               CASE WHEN p_field IS NULL THEN '[]'::json
                    ELSE json_build_array(json_build_object('field', p_field,
                                                            'message', p_message)) END)::text
$$;

CREATE FUNCTION wos_att_break_json(b attendance_breaks) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', b.id, 'attendance_session_id', b.attendance_session_id,
               'break_type', b.break_type, 'started_at', wos_att_utc(b.started_at),
               'ended_at', wos_att_utc(b.ended_at), 'duration_minutes', b.duration_minutes,
               'note', b.note, 'is_paid', b.is_paid)
$$;

-- Session representation (spec 04 §8) plus business_date, note and early_checkout_reason.
CREATE FUNCTION wos_att_session_json(s attendance_sessions) RETURNS jsonb
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

CREATE FUNCTION wos_att_correction_json(c attendance_corrections) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'session_id', c.session_id, 'user_id', c.user_id,
               'status', c.status, 'reason', c.reason, 'manager_comment', c.manager_comment,
               'original_check_in_at', wos_att_utc(c.original_check_in_at),
               'original_check_out_at', wos_att_utc(c.original_check_out_at),
               'requested_check_in_at', wos_att_utc(c.requested_check_in_at),
               'requested_check_out_at', wos_att_utc(c.requested_check_out_at),
               'created_at', wos_att_utc(c.created_at), 'updated_at', wos_att_utc(c.updated_at))
$$;

-- A spreadsheet-safe CSV cell (spec 07 §4.2): text starting with = + - @ (or a tab or carriage
-- return, which spreadsheets also evaluate) gets a leading single quote; quoted when needed.
CREATE FUNCTION wos_att_csv(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN ''
                WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"'
                ELSE v END
      FROM (SELECT CASE WHEN p_value ~ '^[=+@\t\r-]' THEN '''' || p_value
                        ELSE p_value END AS v) q
$$;

-- ---------------------------------------------------------------------------------------------
-- Scope
-- ---------------------------------------------------------------------------------------------

-- Members whose attendance the actor may see besides their own: the workspace for admin/HR,
-- the whole chain below a manager, the direct reports of a team lead, nobody otherwise.
CREATE FUNCTION wos_att_scope(p_ws uuid, p_actor uuid) RETURNS TABLE (user_id uuid)
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

CREATE FUNCTION wos_att_sees(p_ws uuid, p_actor uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_user = p_actor
           OR EXISTS (SELECT 1 FROM wos_att_scope(p_ws, p_actor) v WHERE v.user_id = p_user)
$$;

-- ---------------------------------------------------------------------------------------------
-- Check-in, check-out, active session (spec 04 §2, §3, §8)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_attendance_check_in(p_ws uuid, p_user uuid, p_mode text, p_note text,
    p_grace_hours integer, p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    sh record;
    w record;
    lt record;
    v_date date;
    s attendance_sessions;
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    IF EXISTS (SELECT 1 FROM attendance_sessions a WHERE a.workspace_id = p_ws
                  AND a.user_id = p_user AND a.session_status = 'active') THEN
        status := 409;
        body := wos_att_refusal('You already have an active attendance session.');
        RETURN;
    END IF;
    sh := wos_att_member_shift(p_ws, p_user);
    v_date := wos_att_business_date(p_now, sh.start_time, sh.end_time, sh.tz, p_grace_hours);
    w := wos_att_shift_window(v_date, sh.start_time, sh.end_time, sh.tz);
    lt := wos_att_lateness(p_now, w.start_at, sh.grace_minutes);
    BEGIN
        INSERT INTO attendance_sessions (workspace_id, user_id, check_in_at, work_mode, note,
            session_status, attendance_classification, is_late_login, late_minutes,
            expected_shift_start_at, expected_shift_end_at, business_date)
        VALUES (p_ws, p_user, p_now, p_mode, nullif(btrim(p_note), ''), 'active', 'active',
                lt.is_late, lt.late_minutes, w.start_at, w.end_at, v_date)
        RETURNING * INTO s;
    EXCEPTION WHEN unique_violation THEN
        status := 409;
        body := wos_att_refusal('You already have an active attendance session.');
        RETURN;
    END;
    status := 201;
    body := wos_att_session_json(s)::text;
END
$$;

CREATE FUNCTION wos_attendance_check_out(p_ws uuid, p_user uuid, p_after_reason text,
    p_after_note text, p_early_reason text, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    s attendance_sessions;
    sh record;
    v_after boolean;
    v_early boolean;
    v_missing text[];
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.session_status = 'active'
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 404;
        body := wos_att_refusal('No active attendance session found.');
        RETURN;
    END IF;
    sh := wos_att_member_shift(p_ws, p_user);
    v_after := s.expected_shift_end_at IS NOT NULL AND p_now > s.expected_shift_end_at;
    v_early := sh.shift_id IS NOT NULL AND s.expected_shift_end_at IS NOT NULL
               AND p_now < s.expected_shift_end_at;
    IF v_after AND (coalesce(btrim(p_after_reason), '') = ''
                    OR coalesce(btrim(p_after_note), '') = '') THEN
        status := 422;
        body := json_build_object(
            'message', 'Reason and note are required for checkout after shift end.',
            'details', (SELECT json_agg(json_build_object('field', f, 'message',
                            'Required for checkout after shift end.'))
                          FROM unnest(ARRAY[
                              CASE WHEN coalesce(btrim(p_after_reason), '') = ''
                                   THEN 'checkout_after_shift_reason' END,
                              CASE WHEN coalesce(btrim(p_after_note), '') = ''
                                   THEN 'checkout_after_shift_note' END]) f
                         WHERE f IS NOT NULL))::text;
        RETURN;
    END IF;
    IF v_early AND length(btrim(coalesce(p_early_reason, ''))) < 5 THEN
        status := 400;
        body := wos_att_refusal('A reason of at least 5 characters is required for checking '
                                'out before your shift ends.', 'early_checkout_reason');
        RETURN;
    END IF;

    PERFORM wos_att_end_open_break(p_ws, s.id, p_now);
    PERFORM wos_att_finish(p_ws, s.id, p_now);
    UPDATE attendance_sessions a
       SET is_overtime = v_after AND lower(btrim(p_after_reason)) = 'overtime',
           checkout_after_shift_reason = CASE WHEN v_after THEN btrim(p_after_reason) END,
           checkout_after_shift_note = CASE WHEN v_after THEN btrim(p_after_note) END,
           is_early_logout = v_early,
           early_checkout_minutes = CASE WHEN v_early
                                         THEN wos_att_minutes(p_now, s.expected_shift_end_at) END,
           early_checkout_reason = CASE WHEN v_early THEN btrim(p_early_reason) END
     WHERE a.workspace_id = p_ws AND a.id = s.id
    RETURNING * INTO s;
    PERFORM wos_att_daily_stats(p_ws, s.id);
    status := 200;
    body := wos_att_session_json(s)::text;
END
$$;

-- The caller's active session or null (after auto-close).
CREATE FUNCTION wos_attendance_active(p_ws uuid, p_user uuid, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    status := 200;
    body := coalesce((SELECT wos_att_session_json(a)::text FROM attendance_sessions a
                       WHERE a.workspace_id = p_ws AND a.user_id = p_user
                         AND a.session_status = 'active'), 'null');
END
$$;

-- One session by id, when the caller may see it (404 otherwise).
CREATE FUNCTION wos_attendance_session(p_ws uuid, p_actor uuid, p_session uuid,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s attendance_sessions;
BEGIN
    SELECT * INTO s FROM attendance_sessions a WHERE a.workspace_id = p_ws AND a.id = p_session;
    IF NOT FOUND OR NOT wos_att_sees(p_ws, p_actor, s.user_id) THEN
        status := 404;
        body := wos_att_refusal('Session not found');
        RETURN;
    END IF;
    status := 200;
    body := wos_att_session_json(s)::text;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Breaks (spec 04 §4)
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION wos_attendance_break_start(p_ws uuid, p_user uuid, p_type text, p_note text,
    p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    s attendance_sessions;
    b attendance_breaks;
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    -- The session lock orders concurrent break starts and check-outs of the member.
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.session_status = 'active'
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 400;
        body := wos_att_refusal('Cannot start break without an active attendance session.');
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM attendance_breaks x WHERE x.workspace_id = p_ws
                  AND x.user_id = p_user AND x.ended_at IS NULL) THEN
        status := 409;
        body := wos_att_refusal('You already have an active break.');
        RETURN;
    END IF;
    IF p_type = 'other' AND coalesce(btrim(p_note), '') = '' THEN
        status := 422;
        body := wos_att_refusal('Note is required for ''other'' break type.', 'note');
        RETURN;
    END IF;
    BEGIN
        INSERT INTO attendance_breaks (workspace_id, attendance_session_id, user_id, break_type,
            started_at, note, is_paid)
        VALUES (p_ws, s.id, p_user, p_type, greatest(p_now, s.check_in_at),
                nullif(btrim(p_note), ''), true)
        RETURNING * INTO b;
    EXCEPTION WHEN unique_violation THEN
        status := 409;
        body := wos_att_refusal('You already have an active break.');
        RETURN;
    END;
    status := 201;
    body := wos_att_break_json(b)::text;
END
$$;

CREATE FUNCTION wos_attendance_break_end(p_ws uuid, p_user uuid, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    s attendance_sessions;
    v_break uuid;
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.session_status = 'active'
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 400;
        body := wos_att_refusal('No active attendance session.');
        RETURN;
    END IF;
    v_break := wos_att_end_open_break(p_ws, s.id, p_now);
    IF v_break IS NULL THEN
        status := 404;
        body := wos_att_refusal('No active break found.');
        RETURN;
    END IF;
    status := 200;
    body := (SELECT wos_att_break_json(b)::text FROM attendance_breaks b
              WHERE b.workspace_id = p_ws AND b.id = v_break);
END
$$;

CREATE FUNCTION wos_attendance_break_current(p_ws uuid, p_user uuid,
    OUT status integer, OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT 200, coalesce((SELECT wos_att_break_json(b)::text FROM attendance_breaks b
                           WHERE b.workspace_id = p_ws AND b.user_id = p_user
                             AND b.ended_at IS NULL), 'null')
$$;

CREATE FUNCTION wos_attendance_session_breaks(p_ws uuid, p_actor uuid, p_session uuid,
    OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_owner uuid;
BEGIN
    SELECT a.user_id INTO v_owner FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.id = p_session;
    IF v_owner IS NULL OR NOT wos_att_sees(p_ws, p_actor, v_owner) THEN
        status := 404;
        body := wos_att_refusal('Session not found');
        RETURN;
    END IF;
    status := 200;
    body := coalesce((SELECT jsonb_agg(wos_att_break_json(b) ORDER BY b.started_at, b.id)
                        FROM attendance_breaks b
                       WHERE b.workspace_id = p_ws AND b.attendance_session_id = p_session),
                     '[]'::jsonb)::text;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Daily status (spec 04 §10 and its holiday decision; 03 §5 working days)
-- ---------------------------------------------------------------------------------------------

-- The member's status on business date p_date as seen at p_now: on_leave, wfh, late,
-- checked_out, present, holiday, non_working_day, not_joined, scheduled or absent.
-- Members without a shift work Monday to Friday.
CREATE FUNCTION wos_att_day_status(p_ws uuid, p_user uuid, p_date date, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    sh record;
    w record;
    s attendance_sessions;
    v_leave text;
    v_wfh_leave boolean;
    v_holiday text;
    v_working boolean;
    v_joined date;
    v_today date;
    v_status text;
BEGIN
    sh := wos_att_member_shift(p_ws, p_user);
    SELECT l.leave_type INTO v_leave FROM leave_requests l
     WHERE l.workspace_id = p_ws AND l.user_id = p_user AND l.status = 'approved'
       AND l.leave_type <> 'wfh' AND p_date BETWEEN l.start_date AND l.end_date
     ORDER BY l.is_half_day, l.created_at DESC LIMIT 1;
    v_wfh_leave := EXISTS (SELECT 1 FROM leave_requests l
                            WHERE l.workspace_id = p_ws AND l.user_id = p_user
                              AND l.status = 'approved' AND l.leave_type = 'wfh'
                              AND p_date BETWEEN l.start_date AND l.end_date);
    SELECT h.name INTO v_holiday FROM holidays h
     WHERE h.workspace_id = p_ws AND h.holiday_date = p_date AND h.is_active;
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.business_date = p_date
     ORDER BY a.session_status = 'active' DESC, a.check_in_at DESC LIMIT 1;
    v_working := extract(isodow FROM p_date)::text
                 = ANY (string_to_array(coalesce(sh.working_days, '1,2,3,4,5'), ','));
    SELECT (coalesce(m.joined_at, m.created_at) AT TIME ZONE sh.tz)::date INTO v_joined
      FROM memberships m WHERE m.workspace_id = p_ws AND m.user_id = p_user;
    v_today := (p_now AT TIME ZONE sh.tz)::date;
    w := wos_att_shift_window(p_date, sh.start_time, sh.end_time, sh.tz);

    v_status := CASE
        WHEN v_leave IS NOT NULL THEN 'on_leave'
        WHEN s.id IS NOT NULL THEN
            CASE WHEN s.work_mode = 'wfh' OR v_wfh_leave THEN 'wfh'
                 WHEN s.is_late_login THEN 'late'
                 WHEN s.session_status <> 'active' THEN 'checked_out'
                 ELSE 'present' END
        WHEN v_wfh_leave THEN 'wfh'
        WHEN v_holiday IS NOT NULL THEN 'holiday'
        WHEN NOT v_working THEN 'non_working_day'
        WHEN p_date < v_joined THEN 'not_joined'
        WHEN sh.shift_id IS NOT NULL
             AND p_now <= w.start_at + make_interval(mins => sh.grace_minutes) THEN 'scheduled'
        WHEN sh.shift_id IS NULL AND p_date > v_today THEN 'scheduled'
        ELSE 'absent' END;

    RETURN jsonb_build_object(
        'date', p_date, 'status', v_status, 'is_working_day', v_working,
        'holiday_name', v_holiday,
        'leave_type', coalesce(v_leave, CASE WHEN v_wfh_leave THEN 'wfh' END),
        'session_id', s.id, 'check_in_at', wos_att_utc(s.check_in_at),
        'check_out_at', wos_att_utc(s.check_out_at), 'work_mode', s.work_mode,
        'session_status', s.session_status,
        'attendance_classification', s.attendance_classification,
        'worked_minutes', s.worked_minutes, 'is_late_login', s.is_late_login,
        'late_minutes', s.late_minutes,
        'shift_start_at', wos_att_utc(w.start_at), 'shift_end_at', wos_att_utc(w.end_at));
END
$$;

-- Today for the caller (after auto-close): the business date of the open session, else of
-- now; checked in?, on break?, minutes worked and on break so far that day, the current
-- session and the day's status.
CREATE FUNCTION wos_attendance_today(p_ws uuid, p_user uuid, p_grace_hours integer,
    p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    sh record;
    w record;
    v_date date;
    v_active attendance_sessions;
    v_current attendance_sessions;
    v_break attendance_breaks;
    v_worked integer;
    v_breaks integer;
BEGIN
    PERFORM wos_att_autoclose_user(p_ws, p_user, p_now);
    sh := wos_att_member_shift(p_ws, p_user);
    SELECT * INTO v_active FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.session_status = 'active';
    -- An open session is "today" until it closes, even past midnight (spec 04 §10).
    v_date := coalesce(v_active.business_date,
                       wos_att_business_date(p_now, sh.start_time, sh.end_time, sh.tz,
                                             p_grace_hours));
    w := wos_att_shift_window(v_date, sh.start_time, sh.end_time, sh.tz);
    SELECT * INTO v_break FROM attendance_breaks b
     WHERE b.workspace_id = p_ws AND b.user_id = p_user AND b.ended_at IS NULL;
    SELECT * INTO v_current FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user
       AND (a.session_status = 'active' OR a.business_date = v_date)
     ORDER BY a.session_status = 'active' DESC, a.check_in_at DESC LIMIT 1;
    SELECT coalesce(sum(CASE WHEN a.session_status = 'active'
                             THEN greatest(wos_att_minutes(a.check_in_at, p_now), 0)
                             ELSE a.worked_minutes END), 0),
           coalesce(sum(a.total_break_minutes), 0)
      INTO v_worked, v_breaks
      FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user
       AND (a.business_date = v_date OR a.session_status = 'active');
    IF v_break.id IS NOT NULL THEN
        v_breaks := v_breaks + greatest(wos_att_minutes(v_break.started_at, p_now), 0);
    END IF;
    status := 200;
    body := jsonb_build_object(
        'business_date', v_date,
        'status', wos_att_day_status(p_ws, p_user, v_date, p_now) -> 'status',
        'checked_in', v_active.id IS NOT NULL,
        'on_break', v_break.id IS NOT NULL,
        'worked_minutes', v_worked,
        'break_minutes', v_breaks,
        'session', CASE WHEN v_current.id IS NOT NULL THEN wos_att_session_json(v_current) END,
        'active_break', CASE WHEN v_break.id IS NOT NULL THEN wos_att_break_json(v_break) END,
        'shift', CASE WHEN sh.shift_id IS NOT NULL THEN jsonb_build_object(
                     'id', sh.shift_id, 'name', sh.shift_name,
                     'start_time', to_char(sh.start_time, 'HH24:MI'),
                     'end_time', to_char(sh.end_time, 'HH24:MI'), 'timezone', sh.tz,
                     'grace_period_minutes', sh.grace_minutes,
                     'window_start_at', wos_att_utc(w.start_at),
                     'window_end_at', wos_att_utc(w.end_at)) END)::text;
END
$$;

-- Day-by-day status of one member over [p_from, p_to] (at most 93 days).
CREATE FUNCTION wos_attendance_days(p_ws uuid, p_actor uuid, p_user uuid, p_from date,
    p_to date, p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_user uuid := coalesce(p_user, p_actor);
    v_tz text := (SELECT sh.tz FROM wos_att_member_shift(p_ws, coalesce(p_user, p_actor)) sh);
    v_to date;
    v_from date;
BEGIN
    IF NOT wos_att_sees(p_ws, p_actor, v_user) THEN
        status := 404;
        body := wos_att_refusal('Member not found');
        RETURN;
    END IF;
    v_to := coalesce(p_to, (p_now AT TIME ZONE v_tz)::date);
    v_from := coalesce(p_from, v_to - 6);
    IF v_to < v_from THEN
        status := 422;
        body := wos_att_refusal('date_to must not be before date_from', 'date_to');
        RETURN;
    END IF;
    IF v_to - v_from > 92 THEN
        status := 422;
        body := wos_att_refusal('The date range may span at most 93 days.', 'date_to');
        RETURN;
    END IF;
    status := 200;
    body := jsonb_build_object(
        'user_id', v_user,
        'user_full_name', (SELECT u.full_name FROM users u WHERE u.id = v_user),
        'date_from', v_from, 'date_to', v_to,
        'days', (SELECT jsonb_agg(wos_att_day_status(p_ws, v_user, d::date, p_now) ORDER BY d)
                   FROM generate_series(v_from, v_to, interval '1 day') d))::text;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- History views and CSV export (spec 04 §8 and its product decision)
-- ---------------------------------------------------------------------------------------------

-- Sessions of view 'me' | 'team' | 'workspace' matching the filters; NULL when the caller may
-- not use the view. Team: admin/HR everyone, manager/team lead their scope. Workspace:
-- admin/HR only.
CREATE FUNCTION wos_att_view_sessions(p_ws uuid, p_actor uuid, p_view text, p_from date,
    p_to date, p_user uuid, p_dept uuid, p_class text, p_mode text)
RETURNS SETOF attendance_sessions
LANGUAGE sql STABLE AS $$
    WITH role AS (SELECT wos_att_role(p_ws, p_actor) AS name),
    members AS (
        SELECT p_actor AS user_id WHERE p_view = 'me'
        UNION ALL
        SELECT v.user_id FROM wos_att_scope(p_ws, p_actor) v, role r
         WHERE p_view = 'team' AND r.name IN ('admin', 'hr_operations', 'manager', 'team_lead')
        UNION ALL
        SELECT m.user_id FROM memberships m, role r
         WHERE p_view = 'workspace' AND m.workspace_id = p_ws
           AND r.name IN ('admin', 'hr_operations')
    )
    SELECT a.* FROM attendance_sessions a
      JOIN members v ON v.user_id = a.user_id
      JOIN memberships m ON m.workspace_id = a.workspace_id AND m.user_id = a.user_id
     WHERE a.workspace_id = p_ws
       AND (p_from IS NULL OR a.business_date >= p_from)
       AND (p_to IS NULL OR a.business_date <= p_to)
       AND (p_user IS NULL OR a.user_id = p_user)
       AND (p_dept IS NULL OR m.department_id = p_dept)
       AND (p_class IS NULL OR a.attendance_classification = p_class)
       AND (p_mode IS NULL OR a.work_mode = p_mode)
$$;

-- The refusal of a view the caller may not use, with its audit row; NULL when allowed.
CREATE FUNCTION wos_att_view_denied(p_ws uuid, p_actor uuid, p_view text, p_ip text,
    p_rid text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := wos_att_role(p_ws, p_actor);
BEGIN
    IF p_view = 'team' AND v_role NOT IN ('admin', 'hr_operations', 'manager', 'team_lead') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.team_view_denied', 'user', p_actor,
            NULL, NULL, NULL, jsonb_build_object('role', v_role), p_ip, p_rid);
        RETURN wos_att_refusal('Only managers, team leads, HR or administrators can view team '
                               'attendance.');
    END IF;
    IF p_view = 'workspace' AND v_role NOT IN ('admin', 'hr_operations') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.workspace_view_denied', 'user',
            p_actor, NULL, NULL, NULL, jsonb_build_object('role', v_role), p_ip, p_rid);
        RETURN wos_att_refusal('Only HR or administrators can view workspace attendance.');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION wos_attendance_list(p_ws uuid, p_actor uuid, p_view text, p_from date,
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

-- CSV of the same rows (no paging, at most 10000), oldest first.
CREATE FUNCTION wos_attendance_export(p_ws uuid, p_actor uuid, p_view text, p_from date,
    p_to date, p_user uuid, p_dept uuid, p_class text, p_mode text, p_ip text, p_rid text,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
BEGIN
    body := wos_att_view_denied(p_ws, p_actor, p_view, p_ip, p_rid);
    IF body IS NOT NULL THEN
        status := 403;
        RETURN;
    END IF;
    status := 200;
    SELECT 'Business Date,Employee,Email,Department,Work Mode,Check In (UTC),Check Out (UTC),'
           'Status,Classification,Worked Minutes,Break Minutes,Late,Late Minutes,Early Logout,'
           'Early Minutes,Overtime,Corrected,Note' || E'\r\n'
           || coalesce(string_agg(concat_ws(',',
                  wos_att_csv(r.business_date::text), wos_att_csv(u.full_name),
                  wos_att_csv(u.email), wos_att_csv(d.name), wos_att_csv(r.work_mode),
                  wos_att_csv(wos_att_utc(r.check_in_at)),
                  wos_att_csv(wos_att_utc(r.check_out_at)), wos_att_csv(r.session_status),
                  wos_att_csv(r.attendance_classification),
                  wos_att_csv(r.worked_minutes::text), wos_att_csv(r.total_break_minutes::text),
                  CASE WHEN r.is_late_login THEN 'yes' ELSE 'no' END,
                  wos_att_csv(r.late_minutes::text),
                  CASE WHEN r.is_early_logout THEN 'yes' ELSE 'no' END,
                  wos_att_csv(r.early_checkout_minutes::text),
                  CASE WHEN r.is_overtime THEN 'yes' ELSE 'no' END,
                  CASE WHEN r.is_corrected THEN 'yes' ELSE 'no' END,
                  wos_att_csv(r.note)) || E'\r\n', '' ORDER BY r.check_in_at, r.id), '')
      INTO body
      FROM (SELECT * FROM wos_att_view_sessions(p_ws, p_actor, p_view, p_from, p_to, p_user,
                                                p_dept, p_class, p_mode) v
             ORDER BY v.check_in_at, v.id LIMIT 10000) r
      JOIN users u ON u.id = r.user_id
      JOIN memberships m ON m.workspace_id = r.workspace_id AND m.user_id = r.user_id
      LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Corrections (spec 04 §7)
-- ---------------------------------------------------------------------------------------------

-- Validates corrected times for a session: none in the future, check-out after check-in, no
-- overlap with the member's other sessions. NULL when valid, else the refusal body.
CREATE FUNCTION wos_att_check_times(p_ws uuid, s attendance_sessions, p_in timestamptz,
    p_out timestamptz, p_now timestamptz, p_in_field text, p_out_field text)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_in > p_now THEN wos_att_refusal('The check-in time cannot be in the future.',
                                               p_in_field)
        WHEN p_out > p_now THEN wos_att_refusal('The check-out time cannot be in the future.',
                                                p_out_field)
        WHEN p_out IS NOT NULL AND p_out <= p_in
            THEN wos_att_refusal('The check-out time must be after the check-in time.',
                                 p_out_field)
        WHEN EXISTS (SELECT 1 FROM attendance_sessions o
                      WHERE o.workspace_id = p_ws AND o.user_id = s.user_id AND o.id <> s.id
                        AND tstzrange(o.check_in_at, coalesce(o.check_out_at, 'infinity'))
                            && tstzrange(p_in, coalesce(p_out, 'infinity')))
            THEN wos_att_refusal('The corrected times overlap another attendance session.',
                                 coalesce(p_out_field, p_in_field))
        END
$$;

CREATE FUNCTION wos_attendance_correction_request(p_ws uuid, p_actor uuid, p_session uuid,
    p_in timestamptz, p_out timestamptz, p_reason text, p_ip text, p_rid text,
    p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := wos_att_role(p_ws, p_actor);
    s attendance_sessions;
    c attendance_corrections;
    v_name text;
    v_manager uuid;
BEGIN
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.id = p_session FOR UPDATE;
    IF FOUND AND s.user_id <> p_actor AND v_role NOT IN ('admin', 'hr_operations') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.correction_idor_denied',
            'attendance_session', s.id, NULL, NULL, NULL,
            jsonb_build_object('owner_id', s.user_id), p_ip, p_rid);
        IF wos_att_sees(p_ws, p_actor, s.user_id) THEN
            status := 403;
            body := wos_att_refusal('Access denied');
            RETURN;
        END IF;
    END IF;
    IF s.id IS NULL OR NOT wos_att_sees(p_ws, p_actor, s.user_id) THEN
        status := 404;
        body := wos_att_refusal('Session not found');
        RETURN;
    END IF;
    SELECT * INTO c FROM attendance_corrections x
     WHERE x.workspace_id = p_ws AND x.session_id = s.id
       AND x.status IN ('pending', 'needs_clarification')
       FOR UPDATE;
    IF c.status = 'pending' THEN
        status := 409;
        body := wos_att_refusal('A correction is already pending or needs clarification for '
                                'this session');
        RETURN;
    END IF;
    body := wos_att_check_times(p_ws, s, coalesce(p_in, s.check_in_at),
                                coalesce(p_out, s.check_out_at), p_now,
                                'requested_check_in_at', 'requested_check_out_at');
    IF body IS NOT NULL THEN
        status := 422;
        RETURN;
    END IF;

    IF c.id IS NOT NULL THEN
        UPDATE attendance_corrections x
           SET requested_check_in_at = p_in, requested_check_out_at = p_out,
               reason = btrim(p_reason), status = 'pending'
         WHERE x.workspace_id = p_ws AND x.id = c.id
        RETURNING * INTO c;
    ELSE
        BEGIN
            INSERT INTO attendance_corrections (workspace_id, session_id, user_id,
                original_check_in_at, original_check_out_at, requested_check_in_at,
                requested_check_out_at, reason, status)
            VALUES (p_ws, s.id, s.user_id, s.check_in_at, s.check_out_at, p_in, p_out,
                    btrim(p_reason), 'pending')
            RETURNING * INTO c;
        EXCEPTION WHEN unique_violation THEN
            status := 409;
            body := wos_att_refusal('A correction is already pending or needs clarification '
                                    'for this session');
            RETURN;
        END;
    END IF;
    UPDATE attendance_sessions a
       SET correction_requested = true, correction_reason = btrim(p_reason)
     WHERE a.workspace_id = p_ws AND a.id = s.id
    RETURNING * INTO s;

    SELECT u.full_name, m.manager_id INTO v_name, v_manager
      FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND m.user_id = s.user_id;
    IF v_manager IS NOT NULL THEN
        INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
            related_entity_type, related_entity_id)
        VALUES (p_ws, v_manager, 'Attendance Correction Request',
                v_name || ' asked to correct the attendance of ' || s.business_date || '.',
                'system', 'attendance_correction', c.id);
    END IF;
    INSERT INTO attendance_exceptions (workspace_id, user_id, session_id, correction_id,
        business_date, exception_type, severity, detected_at, reason)
    VALUES (p_ws, s.user_id, s.id, c.id, s.business_date, 'correction_request', 'medium',
            p_now, c.reason)
    ON CONFLICT (workspace_id, user_id, business_date, exception_type) DO NOTHING;
    PERFORM wos_audit_append(p_ws, p_actor, 'attendance.correction_requested',
        'attendance_session', s.id, v_name,
        jsonb_build_object('check_in_at', wos_att_utc(s.check_in_at),
                           'check_out_at', wos_att_utc(s.check_out_at)),
        jsonb_build_object('requested_check_in_at', wos_att_utc(p_in),
                           'requested_check_out_at', wos_att_utc(p_out),
                           'reason', c.reason),
        jsonb_build_object('correction_id', c.id), p_ip, p_rid);
    status := 200;
    body := (wos_att_session_json(s) || jsonb_build_object('correction',
                                                            wos_att_correction_json(c)))::text;
END
$$;

-- Pending queue (spec 04 §7.2): sessions with a requested correction in the caller's scope,
-- newest request first, each with its open correction.
CREATE FUNCTION wos_attendance_corrections_pending(p_ws uuid, p_actor uuid, p_ip text,
    p_rid text, OUT status integer, OUT body text)
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
    body := coalesce((
        SELECT jsonb_agg(wos_att_session_json(a) || jsonb_build_object('correction',
                             wos_att_correction_json(c))
                         ORDER BY c.created_at DESC, a.id)
          FROM attendance_sessions a
          JOIN wos_att_scope(p_ws, p_actor) v ON v.user_id = a.user_id
          LEFT JOIN attendance_corrections c
                 ON c.workspace_id = a.workspace_id AND c.session_id = a.id
                AND c.status IN ('pending', 'needs_clarification')
         WHERE a.workspace_id = p_ws AND a.correction_requested), '[]'::jsonb)::text;
END
$$;

-- Applies an approved correction to the session: times, expected window and lateness of the
-- new check-in's business date, closing when a check-out is set (break ended, worked time,
-- classification, early logout against the expected end), is_corrected; daily stats of the
-- old and new business dates.
CREATE FUNCTION wos_att_apply_correction(p_ws uuid, s attendance_sessions, p_in timestamptz,
    p_out timestamptz, p_grace_hours integer)
RETURNS attendance_sessions
LANGUAGE plpgsql AS $$
DECLARE
    sh record := wos_att_member_shift(p_ws, s.user_id);
    w record;
    lt record;
    v_date date;
    v_old_date date := s.business_date;
    v_early boolean;
BEGIN
    v_date := wos_att_business_date(p_in, sh.start_time, sh.end_time, sh.tz, p_grace_hours);
    w := wos_att_shift_window(v_date, sh.start_time, sh.end_time, sh.tz);
    lt := wos_att_lateness(p_in, w.start_at, sh.grace_minutes);
    UPDATE attendance_sessions a
       SET check_in_at = p_in, expected_shift_start_at = w.start_at,
           expected_shift_end_at = w.end_at, business_date = v_date,
           is_late_login = lt.is_late, late_minutes = lt.late_minutes, is_corrected = true,
           correction_requested = false
     WHERE a.workspace_id = p_ws AND a.id = s.id;
    IF p_out IS NOT NULL THEN
        PERFORM wos_att_end_open_break(p_ws, s.id, p_out);
        PERFORM wos_att_finish(p_ws, s.id, p_out);
        v_early := sh.shift_id IS NOT NULL AND w.end_at IS NOT NULL AND p_out < w.end_at;
        UPDATE attendance_sessions a
           SET is_early_logout = v_early,
               early_checkout_minutes = CASE WHEN v_early THEN wos_att_minutes(p_out, w.end_at) END,
               is_overtime = a.is_overtime AND NOT v_early
         WHERE a.workspace_id = p_ws AND a.id = s.id;
        PERFORM wos_att_daily_stats(p_ws, s.id);
    END IF;
    IF v_old_date IS DISTINCT FROM v_date THEN
        UPDATE daily_stats d
           SET total_hours = coalesce((SELECT sum(o.total_hours) FROM attendance_sessions o
                                        WHERE o.workspace_id = p_ws AND o.user_id = s.user_id
                                          AND o.business_date = v_old_date
                                          AND o.session_status <> 'active'), 0)
         WHERE d.workspace_id = p_ws AND d.user_id = s.user_id AND d.date = v_old_date;
    END IF;
    SELECT * INTO s FROM attendance_sessions a WHERE a.workspace_id = p_ws AND a.id = s.id;
    RETURN s;
END
$$;

CREATE FUNCTION wos_attendance_correction_resolve(p_ws uuid, p_actor uuid, p_session uuid,
    p_action text, p_in timestamptz, p_out timestamptz, p_comment text, p_grace_hours integer,
    p_ip text, p_rid text, p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text;
    v_role_id uuid;
    s attendance_sessions;
    v_old attendance_sessions;
    c attendance_corrections;
    v_in timestamptz;
    v_out timestamptz;
    v_verb text;
    v_name text;
BEGIN
    SELECT r.name, r.id INTO v_role, v_role_id FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_actor;
    IF v_role NOT IN ('admin', 'hr_operations', 'manager', 'team_lead')
       OR NOT wos_has_permission(p_ws, p_actor, v_role_id, 'attendance.approve_correction') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.correction_resolve_denied',
            'attendance_session', p_session, NULL, NULL, NULL,
            jsonb_build_object('role', v_role), p_ip, p_rid);
        status := 403;
        body := wos_att_refusal('You are not allowed to resolve attendance corrections.');
        RETURN;
    END IF;
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.id = p_session FOR UPDATE;
    IF NOT FOUND THEN
        status := 404;
        body := wos_att_refusal('Session not found');
        RETURN;
    END IF;
    IF s.user_id = p_actor AND v_role NOT IN ('admin', 'hr_operations') THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.self_correction_approval_denied',
            'attendance_session', s.id, NULL, NULL, NULL, NULL, p_ip, p_rid);
        status := 403;
        body := wos_att_refusal('You cannot approve your own correction');
        RETURN;
    END IF;
    IF NOT wos_att_sees(p_ws, p_actor, s.user_id) THEN
        PERFORM wos_audit_append(p_ws, p_actor, 'attendance.cross_team_correction_denied',
            'attendance_session', s.id, NULL, NULL, NULL,
            jsonb_build_object('owner_id', s.user_id), p_ip, p_rid);
        status := 404;
        body := wos_att_refusal('Session not found');
        RETURN;
    END IF;
    IF NOT s.correction_requested THEN
        status := 400;
        body := wos_att_refusal('No correction requested for this session');
        RETURN;
    END IF;
    SELECT * INTO c FROM attendance_corrections x
     WHERE x.workspace_id = p_ws AND x.session_id = s.id
       AND x.status IN ('pending', 'needs_clarification')
       FOR UPDATE;
    IF NOT FOUND THEN
        status := 404;
        body := wos_att_refusal('Correction record not found');
        RETURN;
    END IF;

    v_old := s;
    IF p_action = 'approve' THEN
        v_in := coalesce(p_in, c.requested_check_in_at, s.check_in_at);
        v_out := coalesce(p_out, c.requested_check_out_at, s.check_out_at);
        body := wos_att_check_times(p_ws, s, v_in, v_out, p_now, 'check_in_at', 'check_out_at');
        IF body IS NOT NULL THEN
            status := 422;
            RETURN;
        END IF;
        s := wos_att_apply_correction(p_ws, s, v_in, v_out, p_grace_hours);
        c.status := 'approved';
        v_verb := 'approved';
    ELSIF p_action = 'reject' THEN
        UPDATE attendance_sessions a SET correction_requested = false
         WHERE a.workspace_id = p_ws AND a.id = s.id RETURNING * INTO s;
        c.status := 'rejected';
        v_verb := 'rejected';
    ELSE
        c.status := 'needs_clarification';
        v_verb := 'clarification_requested';
    END IF;
    UPDATE attendance_corrections x
       SET status = c.status,
           manager_comment = coalesce(nullif(btrim(p_comment), ''), x.manager_comment)
     WHERE x.workspace_id = p_ws AND x.id = c.id
    RETURNING * INTO c;

    SELECT u.full_name INTO v_name FROM users u WHERE u.id = s.user_id;
    PERFORM wos_audit_append(p_ws, p_actor, 'attendance.correction_' || v_verb,
        'attendance_session', s.id, v_name,
        jsonb_build_object('check_in_at', wos_att_utc(v_old.check_in_at),
                           'check_out_at', wos_att_utc(v_old.check_out_at)),
        jsonb_build_object('check_in_at', wos_att_utc(s.check_in_at),
                           'check_out_at', wos_att_utc(s.check_out_at)),
        jsonb_build_object('correction_id', c.id, 'status', c.status,
                           'manager_comment', c.manager_comment), p_ip, p_rid);
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
        related_entity_type, related_entity_id)
    VALUES (p_ws, s.user_id,
            CASE v_verb WHEN 'approved' THEN 'Attendance Correction Approved'
                        WHEN 'rejected' THEN 'Attendance Correction Rejected'
                        ELSE 'Attendance Correction Needs Clarification' END,
            'Your correction request for ' || s.business_date || ' was '
            || CASE v_verb WHEN 'clarification_requested' THEN 'returned for clarification'
                           ELSE v_verb END
            || coalesce(': ' || c.manager_comment, '') || '.',
            'system', 'attendance_correction', c.id);
    status := 200;
    body := (wos_att_session_json(s) || jsonb_build_object('correction',
                                                            wos_att_correction_json(c)))::text;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Exceptions (spec 04 §9)
-- ---------------------------------------------------------------------------------------------

-- Creates the missing exceptions of the given members (NULL: every active member) for business
-- dates [p_from, p_to] as seen at p_now. Idempotent: an existing (member, date, type) row, in
-- any status, is never recreated or changed. Returns the number created.
CREATE FUNCTION wos_att_exceptions_generate(p_ws uuid, p_users uuid[], p_from date, p_to date,
    p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    st record := wos_att_settings(p_ws);
    v_total integer := 0;
    v_count integer;
BEGIN
    WITH s AS (
        SELECT a.* FROM attendance_sessions a
          JOIN memberships m ON m.workspace_id = a.workspace_id AND m.user_id = a.user_id
                            AND m.status = 'active'
         WHERE a.workspace_id = p_ws AND a.business_date BETWEEN p_from AND p_to
           AND (p_users IS NULL OR a.user_id = ANY (p_users))
    ), found AS (
        SELECT s.user_id, s.id, s.business_date, s.check_in_at, 'late' AS kind,
               'medium' AS severity, 'Late by ' || s.late_minutes || ' minutes' AS reason
          FROM s WHERE s.is_late_login
        UNION ALL
        SELECT s.user_id, s.id, s.business_date, s.check_in_at, 'early', 'medium',
               s.early_checkout_reason
          FROM s WHERE s.is_early_logout
        UNION ALL
        SELECT s.user_id, s.id, s.business_date, s.check_in_at, 'overtime', 'low',
               s.checkout_after_shift_note
          FROM s WHERE s.is_overtime
        UNION ALL
        SELECT s.user_id, s.id, s.business_date, s.check_in_at, 'missing_checkout', 'high',
               'Shift window ended without checkout'
          FROM s
         WHERE (s.session_status = 'active' AND s.expected_shift_end_at IS NOT NULL
                AND p_now > s.expected_shift_end_at
                            + make_interval(mins => st.auto_close_grace_minutes))
            OR (s.checkout_after_shift_reason = 'auto_checkout'
                AND s.checkout_after_shift_note = 'Shift ended')
        UNION ALL
        SELECT s.user_id, s.id, s.business_date, s.check_in_at, 'active_too_long', 'high',
               'Active attendance session exceeds ' || st.max_active_hours || ' hours'
          FROM s
         WHERE (s.session_status = 'active'
                AND p_now > s.check_in_at + make_interval(hours => st.max_active_hours))
            OR (s.checkout_after_shift_reason = 'auto_checkout'
                AND s.checkout_after_shift_note = 'Exceeded maximum active duration')
    )
    INSERT INTO attendance_exceptions (workspace_id, user_id, session_id, business_date,
        exception_type, severity, detected_at, reason)
    SELECT DISTINCT ON (f.user_id, f.business_date, f.kind)
           p_ws, f.user_id, f.id, f.business_date, f.kind, f.severity, p_now, f.reason
      FROM found f
     ORDER BY f.user_id, f.business_date, f.kind, f.check_in_at
    ON CONFLICT (workspace_id, user_id, business_date, exception_type) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_total := v_total + v_count;

    INSERT INTO attendance_exceptions (workspace_id, user_id, session_id, correction_id,
        business_date, exception_type, severity, detected_at, reason)
    SELECT DISTINCT ON (c.user_id, a.business_date)
           p_ws, c.user_id, a.id, c.id, a.business_date, 'correction_request', 'medium', p_now,
           c.reason
      FROM attendance_corrections c
      JOIN attendance_sessions a ON a.workspace_id = c.workspace_id AND a.id = c.session_id
      JOIN memberships m ON m.workspace_id = c.workspace_id AND m.user_id = c.user_id
                        AND m.status = 'active'
     WHERE c.workspace_id = p_ws AND c.status IN ('pending', 'needs_clarification')
       AND a.business_date BETWEEN p_from AND p_to
       AND (p_users IS NULL OR c.user_id = ANY (p_users))
     ORDER BY c.user_id, a.business_date, c.created_at
    ON CONFLICT (workspace_id, user_id, business_date, exception_type) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_total := v_total + v_count;

    -- Absent: a working day that is no holiday, no approved leave, no session, after joining,
    -- and detectable: with a shift once start + grace has passed, without one once the day is
    -- over (spec 04 §9.1, 03 §5).
    INSERT INTO attendance_exceptions (workspace_id, user_id, business_date, exception_type,
        severity, detected_at, reason)
    SELECT p_ws, m.user_id, g.d::date, 'absent', 'high', p_now, 'Absent without approved leave'
      FROM memberships m
     CROSS JOIN LATERAL wos_att_member_shift(p_ws, m.user_id) sh
     CROSS JOIN LATERAL generate_series(p_from, p_to, interval '1 day') g(d)
     WHERE m.workspace_id = p_ws AND m.status = 'active'
       AND (p_users IS NULL OR m.user_id = ANY (p_users))
       AND g.d::date >= (coalesce(m.joined_at, m.created_at) AT TIME ZONE sh.tz)::date
       AND extract(isodow FROM g.d)::text
           = ANY (string_to_array(coalesce(sh.working_days, '1,2,3,4,5'), ','))
       AND NOT EXISTS (SELECT 1 FROM holidays h WHERE h.workspace_id = p_ws
                          AND h.holiday_date = g.d::date AND h.is_active)
       AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.workspace_id = p_ws
                          AND l.user_id = m.user_id AND l.status = 'approved'
                          AND g.d::date BETWEEN l.start_date AND l.end_date)
       AND NOT EXISTS (SELECT 1 FROM attendance_sessions a WHERE a.workspace_id = p_ws
                          AND a.user_id = m.user_id AND a.business_date = g.d::date)
       AND CASE WHEN sh.shift_id IS NOT NULL
                THEN p_now > (wos_att_window(g.d::date, sh.start_time, sh.end_time,
                                             sh.tz)).start_at
                             + make_interval(mins => sh.grace_minutes)
                ELSE g.d::date < (p_now AT TIME ZONE sh.tz)::date END
    ON CONFLICT (workspace_id, user_id, business_date, exception_type) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_total + v_count;
END
$$;

-- The periodic jobs (spec 10 §1.2): exceptions of every workspace (or only p_ws) for its
-- business dates from p_days days before today to today. Returns the number created.
CREATE FUNCTION wos_attendance_exceptions_all(p_now timestamptz DEFAULT now(),
    p_days integer DEFAULT 0, p_ws uuid DEFAULT NULL)
RETURNS integer
LANGUAGE sql AS $$
    SELECT coalesce(sum(wos_att_exceptions_generate(w.id, NULL,
               (p_now AT TIME ZONE wos_att_zone(NULL, w.timezone))::date - greatest(p_days, 0),
               (p_now AT TIME ZONE wos_att_zone(NULL, w.timezone))::date, p_now)), 0)::integer
      FROM workspaces w
     WHERE p_ws IS NULL OR w.id = p_ws
$$;

CREATE FUNCTION wos_attendance_exceptions(p_ws uuid, p_actor uuid, p_date date, p_start date,
    p_end date, p_status text, p_type text, p_user uuid, p_dept uuid, p_search text,
    p_now timestamptz, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := wos_att_role(p_ws, p_actor);
    v_today date := (p_now AT TIME ZONE (SELECT wos_att_zone(NULL, w.timezone)
                                           FROM workspaces w WHERE w.id = p_ws))::date;
    v_start date;
    v_end date;
    v_users uuid[];
BEGIN
    v_start := coalesce(p_start, p_date, v_today);
    v_end := coalesce(p_end, p_date, v_start);
    IF v_end < v_start THEN
        status := 422;
        body := wos_att_refusal('end_date must be after start_date', 'end_date');
        RETURN;
    END IF;
    IF v_end - v_start > 92 THEN
        status := 422;
        body := wos_att_refusal('The date range may span at most 93 days.', 'end_date');
        RETURN;
    END IF;
    IF v_role IN ('admin', 'hr_operations') THEN
        SELECT array_agg(m.user_id) INTO v_users FROM memberships m
         WHERE m.workspace_id = p_ws AND m.status = 'active';
    ELSIF v_role IN ('manager', 'team_lead') THEN
        SELECT array_agg(m.user_id) INTO v_users
          FROM wos_att_scope(p_ws, p_actor) v
          JOIN memberships m ON m.workspace_id = p_ws AND m.user_id = v.user_id
                            AND m.status = 'active';
    ELSE
        v_users := ARRAY[p_actor];
    END IF;
    v_users := coalesce(v_users, '{}');
    IF p_user IS NOT NULL AND v_role NOT IN ('admin', 'hr_operations')
       AND NOT p_user = ANY (v_users) THEN
        status := 403;
        body := wos_att_refusal('You cannot view attendance exceptions of this member.',
                                'user_id');
        RETURN;
    END IF;
    SELECT array_agg(m.user_id) INTO v_users
      FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.workspace_id = p_ws AND m.user_id = ANY (v_users)
       AND (p_user IS NULL OR m.user_id = p_user)
       AND (p_dept IS NULL OR m.department_id = p_dept)
       AND (p_search IS NULL OR strpos(lower(u.full_name), lower(p_search)) > 0
            OR strpos(lower(u.email), lower(p_search)) > 0);
    v_users := coalesce(v_users, '{}');
    PERFORM wos_att_exceptions_generate(p_ws, v_users, v_start, v_end, p_now);

    status := 200;
    WITH rows AS (
        SELECT e.*, u.full_name, u.email, d.name AS department_name, sh.shift_name,
               sh.start_time, sh.end_time, a.check_in_at, a.check_out_at
          FROM attendance_exceptions e
          JOIN users u ON u.id = e.user_id
          JOIN memberships m ON m.workspace_id = e.workspace_id AND m.user_id = e.user_id
          LEFT JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id
          LEFT JOIN attendance_sessions a ON a.workspace_id = e.workspace_id
                                         AND a.id = e.session_id
          CROSS JOIN LATERAL wos_att_member_shift(p_ws, e.user_id) sh
         WHERE e.workspace_id = p_ws AND e.user_id = ANY (v_users)
           AND e.business_date BETWEEN v_start AND v_end
           AND (coalesce(p_status, 'open') = 'all' OR e.status = coalesce(p_status, 'open'))
           AND (p_type IS NULL OR e.exception_type = p_type)
    )
    SELECT jsonb_build_object(
        'start_date', v_start, 'end_date', v_end,
        'summary', jsonb_build_object(
            'open', count(*) FILTER (WHERE r.status = 'open'),
            'resolved', count(*) FILTER (WHERE r.status = 'resolved'),
            'dismissed', count(*) FILTER (WHERE r.status = 'dismissed'),
            'late', count(*) FILTER (WHERE r.exception_type = 'late'),
            'early', count(*) FILTER (WHERE r.exception_type = 'early'),
            'missing_checkout', count(*) FILTER (WHERE r.exception_type = 'missing_checkout'),
            'absent', count(*) FILTER (WHERE r.exception_type = 'absent'),
            'overtime', count(*) FILTER (WHERE r.exception_type = 'overtime'),
            'active_too_long', count(*) FILTER (WHERE r.exception_type = 'active_too_long'),
            'correction_request',
                count(*) FILTER (WHERE r.exception_type = 'correction_request')),
        'exceptions', coalesce(jsonb_agg(jsonb_build_object(
            'id', r.id, 'user_id', r.user_id, 'user_name', r.full_name, 'user_email', r.email,
            'department', r.department_name, 'type', r.exception_type,
            'severity', r.severity, 'status', r.status, 'business_date', r.business_date,
            'session_id', r.session_id, 'shift_name', r.shift_name,
            'shift_start', to_char(r.start_time, 'HH24:MI'),
            'shift_end', to_char(r.end_time, 'HH24:MI'),
            'check_in_at', wos_att_utc(r.check_in_at),
            'check_out_at', wos_att_utc(r.check_out_at),
            'detected_at', wos_att_utc(r.detected_at), 'reason', r.reason,
            'resolution_note', r.resolution_note)
            ORDER BY r.business_date DESC, r.detected_at DESC, r.id)
            FILTER (WHERE r.id IS NOT NULL), '[]'::jsonb))::text
      INTO body
      FROM rows r;
END
$$;

-- Resolves (p_action 'resolve') or dismisses ('dismiss') an open exception (spec 04 §9.3).
CREATE FUNCTION wos_attendance_exception_close(p_ws uuid, p_actor uuid, p_id uuid,
    p_action text, p_note text, p_ip text, p_rid text, p_now timestamptz,
    OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    v_role text := wos_att_role(p_ws, p_actor);
    e attendance_exceptions;
    v_new text := CASE p_action WHEN 'resolve' THEN 'resolved' ELSE 'dismissed' END;
BEGIN
    IF v_role NOT IN ('admin', 'hr_operations', 'manager', 'team_lead') THEN
        status := 403;
        body := wos_att_refusal('Only managers, team leads, HR or administrators can '
                                || p_action || ' attendance exceptions.');
        RETURN;
    END IF;
    SELECT * INTO e FROM attendance_exceptions x
     WHERE x.workspace_id = p_ws AND x.id = p_id FOR UPDATE;
    IF NOT FOUND OR (v_role NOT IN ('admin', 'hr_operations')
                     AND NOT EXISTS (SELECT 1 FROM wos_att_scope(p_ws, p_actor) v
                                      WHERE v.user_id = e.user_id)) THEN
        status := 404;
        body := wos_att_refusal('Attendance exception not found');
        RETURN;
    END IF;
    IF e.status <> 'open' THEN
        status := 409;
        body := wos_att_refusal('Only open attendance exceptions can be resolved or dismissed.');
        RETURN;
    END IF;
    IF p_action = 'resolve' THEN
        UPDATE attendance_exceptions x
           SET status = 'resolved', resolution_note = btrim(p_note), resolved_by = p_actor,
               resolved_at = p_now
         WHERE x.workspace_id = p_ws AND x.id = e.id;
    ELSE
        UPDATE attendance_exceptions x
           SET status = 'dismissed', resolution_note = nullif(btrim(p_note), ''),
               dismissed_by = p_actor, dismissed_at = p_now
         WHERE x.workspace_id = p_ws AND x.id = e.id;
    END IF;
    PERFORM wos_audit_append(p_ws, p_actor,
        CASE p_action WHEN 'resolve' THEN 'ATTENDANCE_EXCEPTION_RESOLVED'
                      ELSE 'ATTENDANCE_EXCEPTION_DISMISSED' END,
        'attendance_exception', e.id, e.exception_type || ' ' || e.business_date,
        jsonb_build_object('status', e.status),
        jsonb_build_object('status', v_new, 'note', nullif(btrim(p_note), '')),
        jsonb_build_object('user_id', e.user_id), p_ip, p_rid);
    status := 200;
    body := json_build_object('status', v_new)::text;
END
$$;
