-- message: attendance rules: business dates, shift windows across DST, classification, auto-close
-- wos:allow non-concurrent-index
--
-- The time rules of spec 04 §1, §5 and §6 as SQL functions, so every request, job and report
-- computes them the same way and to the minute. Nothing here reads the clock: every function
-- that depends on "now" takes it as a parameter (p_now), so tests pass fixed instants and the
-- API passes now().
--
-- Local wall-clock times become instants with wos_att_local_instant(): the first instant at
-- which the zone's wall clock reaches the given time. An ordinary local time is exact; a time
-- repeated when clocks go back (01:30 on a New York November Sunday) is its FIRST occurrence;
-- a time skipped when clocks go forward (02:30 on a New York March Sunday) is the instant of the
-- jump (03:00 EDT), because that is when a wall clock first shows a time at or after it. So a
-- shift window always starts at the moment the member's own clock says the shift has begun.
--
-- attendance_sessions gains business_date (spec 04 §1 "business date of a session"), fixed when
-- the session is written: the local date of expected_shift_start_at when there is one, else the
-- business date of check_in_at. A trigger fills it for rows written without it.
-- The indexes are built inside the migration's transaction on purpose: no release with the
-- attendance tables has shipped, so they hold no production rows to block.

ALTER TABLE attendance_sessions ADD COLUMN business_date date;
CREATE INDEX ix_attendance_sessions_user_id_business_date
    ON attendance_sessions (workspace_id, user_id, business_date);
CREATE INDEX ix_attendance_sessions_business_date
    ON attendance_sessions (workspace_id, business_date);
-- The periodic auto-close scans active sessions of every workspace.
CREATE INDEX ix_attendance_sessions_active_check_in_at
    ON attendance_sessions (check_in_at) WHERE session_status = 'active';

-- ---------------------------------------------------------------------------------------------
-- Zones and instants
-- ---------------------------------------------------------------------------------------------

-- True when PostgreSQL knows the zone name.
CREATE FUNCTION wos_att_valid_tz(p_tz text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_tz IS NULL OR btrim(p_tz) = '' THEN
        RETURN false;
    END IF;
    PERFORM now() AT TIME ZONE p_tz;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;

-- The zone of a shift: its own when valid, else the workspace's, else UTC (spec 04 §1).
CREATE FUNCTION wos_att_zone(p_shift_tz text, p_ws_tz text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN wos_att_valid_tz(p_shift_tz) THEN p_shift_tz
                WHEN wos_att_valid_tz(p_ws_tz) THEN p_ws_tz
                ELSE 'UTC' END
$$;

-- Offset of the zone's wall clock from UTC at an instant (e.g. -05:00 for New York in winter).
CREATE FUNCTION wos_att_utc_offset(p_at timestamptz, p_tz text) RETURNS interval
LANGUAGE sql STABLE STRICT AS $$
    SELECT (p_at AT TIME ZONE p_tz) - (p_at AT TIME ZONE 'UTC')
$$;

-- The first instant at which the zone's wall clock shows p_local or later: exact for ordinary
-- times, the first occurrence of a repeated time, the transition instant for a skipped time.
CREATE FUNCTION wos_att_local_instant(p_local timestamp, p_tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    v_at timestamptz := p_local AT TIME ZONE p_tz;
    v_best timestamptz := v_at;
    v_try timestamptz;
    v_off interval;
    v_lo bigint;
    v_hi bigint;
    v_mid bigint;
BEGIN
    IF (v_at AT TIME ZONE p_tz) = p_local THEN
        -- The time exists; when the clocks went back around it, an earlier instant shows it
        -- too. Offsets 12 hours either side cover every transition of the zone database.
        FOREACH v_off IN ARRAY ARRAY[wos_att_utc_offset(v_at - interval '12 hours', p_tz),
                                     wos_att_utc_offset(v_at + interval '12 hours', p_tz)]
        LOOP
            v_try := (p_local - v_off) AT TIME ZONE 'UTC';
            IF v_try < v_best AND (v_try AT TIME ZONE p_tz) = p_local THEN
                v_best := v_try;
            END IF;
        END LOOP;
        RETURN v_best;
    END IF;
    -- Skipped time: PostgreSQL read it with the offset from before the jump, which lands after
    -- the transition; the same wall time read with the later offset lands before it. The
    -- transition lies in between: bisect to the second.
    v_hi := extract(epoch FROM v_at)::bigint;
    v_lo := extract(epoch FROM (p_local - wos_att_utc_offset(v_at, p_tz)) AT TIME ZONE 'UTC')::bigint;
    WHILE v_hi - v_lo > 1 LOOP
        v_mid := v_lo + (v_hi - v_lo) / 2;
        IF wos_att_utc_offset(to_timestamp(v_mid), p_tz) = wos_att_utc_offset(v_at, p_tz) THEN
            v_hi := v_mid;
        ELSE
            v_lo := v_mid;
        END IF;
    END LOOP;
    RETURN to_timestamp(v_hi);
END
$$;

-- The window [start_at, end_at) of a shift on business date p_date (spec 04 §1): start at
-- start_time on p_date; end at end_time on p_date, or on the next day for an overnight shift
-- (end_time <= start_time).
CREATE FUNCTION wos_att_window(p_date date, p_start time, p_end time, p_tz text,
    OUT start_at timestamptz, OUT end_at timestamptz)
LANGUAGE sql STABLE STRICT AS $$
    SELECT wos_att_local_instant(p_date + p_start, p_tz),
           wos_att_local_instant((p_date + CASE WHEN p_end <= p_start THEN 1 ELSE 0 END)
                                 + p_end, p_tz)
$$;

-- The same for a member who may have no shift: both bounds NULL when p_start or p_end is NULL.
CREATE FUNCTION wos_att_shift_window(p_date date, p_start time, p_end time, p_tz text,
    OUT start_at timestamptz, OUT end_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_date IS NULL OR p_start IS NULL OR p_end IS NULL OR p_tz IS NULL THEN
        RETURN;
    END IF;
    SELECT w.start_at, w.end_at INTO start_at, end_at
      FROM wos_att_window(p_date, p_start, p_end, p_tz) w;
END
$$;

-- Business date of an instant (spec 04 §1). Without a shift (p_start NULL) or for a day shift:
-- the calendar date in p_tz. For an overnight shift: the first of date(T), date(T) - 1 whose
-- window contains T or ended less than p_grace_hours before it; else date(T).
CREATE FUNCTION wos_att_business_date(p_at timestamptz, p_start time, p_end time, p_tz text,
    p_grace_hours integer)
RETURNS date
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_day date := (p_at AT TIME ZONE p_tz)::date;
    v_candidate date;
    w record;
BEGIN
    IF p_start IS NULL OR p_end IS NULL OR p_end > p_start THEN
        RETURN v_day;
    END IF;
    FOREACH v_candidate IN ARRAY ARRAY[v_day, v_day - 1] LOOP
        w := wos_att_window(v_candidate, p_start, p_end, p_tz);
        IF w.start_at <= p_at
           AND p_at < w.end_at + make_interval(hours => greatest(coalesce(p_grace_hours, 0), 0))
        THEN
            RETURN v_candidate;
        END IF;
    END LOOP;
    RETURN v_day;
END
$$;

-- Whole minutes from p_from to p_to (floor; negative when p_to is earlier).
CREATE FUNCTION wos_att_minutes(p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT floor(extract(epoch FROM p_to - p_from) / 60)::integer
$$;

-- ---------------------------------------------------------------------------------------------
-- Rules
-- ---------------------------------------------------------------------------------------------

-- Classification of a closed session by worked minutes (spec 04 §6). NULL worked minutes is
-- full_leave; the caller passes round(total_hours * 60) when only hours are known.
CREATE FUNCTION wos_att_classify(p_worked integer, p_full_leave_below integer,
    p_half_day_below integer, p_full_day_above integer)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_worked IS NULL OR p_worked < p_full_leave_below THEN 'full_leave'
                WHEN p_worked < p_half_day_below THEN 'half_day'
                WHEN p_worked <= p_full_day_above THEN 'short_leave'
                ELSE 'full_day' END
$$;

-- Late login (spec 04 §2.3): late when p_at is after start + grace; the minutes count from
-- the shift start, not from the end of the grace period.
CREATE FUNCTION wos_att_lateness(p_at timestamptz, p_expected_start timestamptz,
    p_grace_minutes integer, OUT is_late boolean, OUT late_minutes integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(p_at > p_expected_start + make_interval(mins => coalesce(p_grace_minutes, 0)),
                    false),
           CASE WHEN p_at > p_expected_start + make_interval(mins => coalesce(p_grace_minutes, 0))
                THEN wos_att_minutes(p_expected_start, p_at) ELSE 0 END
$$;

-- The workspace's attendance tunables (spec 11 §1), with the spec defaults for missing rows.
CREATE FUNCTION wos_att_settings(p_ws uuid, OUT full_leave_below integer,
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

-- The member's role name in the workspace (NULL when not a member).
CREATE FUNCTION wos_att_role(p_ws uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.name FROM memberships m
      JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id
     WHERE m.workspace_id = p_ws AND m.user_id = p_user
$$;

-- The member's shift as the rules need it. tz is the shift's zone (falling back to the
-- workspace's) or, without a shift, the workspace's business zone; the other fields are NULL
-- without a shift.
CREATE FUNCTION wos_att_member_shift(p_ws uuid, p_user uuid, OUT shift_id uuid,
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

-- Business date of a session (spec 04 §1): local date of its expected shift start when stored,
-- else the business date of its check-in under the member's shift.
CREATE FUNCTION wos_att_session_date(p_ws uuid, p_user uuid, p_check_in timestamptz,
    p_expected_start timestamptz, p_grace_hours integer)
RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_expected_start IS NOT NULL
                THEN (p_expected_start AT TIME ZONE sh.tz)::date
                ELSE wos_att_business_date(p_check_in, sh.start_time, sh.end_time, sh.tz,
                                           p_grace_hours) END
      FROM wos_att_member_shift(p_ws, p_user) sh
$$;

-- Fills business_date on rows written without it (seeders, imports) and follows a changed
-- check-in or expected start when the writer did not set it itself. Overnight shifts use the
-- default EOD_POST_SHIFT_GRACE_HOURS (4) here; the API passes the configured value explicitly.
CREATE FUNCTION wos_att_session_business_date() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.business_date IS NOT NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.business_date IS DISTINCT FROM OLD.business_date
        OR (NEW.check_in_at = OLD.check_in_at
            AND NEW.expected_shift_start_at IS NOT DISTINCT FROM OLD.expected_shift_start_at))
    THEN
        RETURN NEW;
    END IF;
    NEW.business_date := wos_att_session_date(NEW.workspace_id, NEW.user_id, NEW.check_in_at,
                                              NEW.expected_shift_start_at, 4);
    RETURN NEW;
END
$$;

CREATE TRIGGER trg_attendance_sessions_business_date
    BEFORE INSERT OR UPDATE OF check_in_at, expected_shift_start_at, business_date
    ON attendance_sessions
    FOR EACH ROW EXECUTE FUNCTION wos_att_session_business_date();

-- ---------------------------------------------------------------------------------------------
-- Session arithmetic shared by check-out, auto-close and corrections
-- ---------------------------------------------------------------------------------------------

-- Re-derives the session's break totals from its ended breaks.
CREATE FUNCTION wos_att_break_totals(p_ws uuid, p_session uuid) RETURNS void
LANGUAGE sql AS $$
    UPDATE attendance_sessions s
       SET total_break_minutes = t.total, dinner_break_minutes = t.dinner,
           prayer_break_minutes = t.prayer, other_break_minutes = t.other
      FROM (SELECT coalesce(sum(b.duration_minutes), 0)::integer AS total,
                   coalesce(sum(b.duration_minutes) FILTER (WHERE b.break_type = 'dinner'), 0)::integer AS dinner,
                   coalesce(sum(b.duration_minutes) FILTER (WHERE b.break_type = 'prayer'), 0)::integer AS prayer,
                   coalesce(sum(b.duration_minutes) FILTER (WHERE b.break_type = 'other'), 0)::integer AS other
              FROM attendance_breaks b
             WHERE b.workspace_id = p_ws AND b.attendance_session_id = p_session
               AND b.ended_at IS NOT NULL) t
     WHERE s.workspace_id = p_ws AND s.id = p_session
$$;

-- Ends the session's open break at p_at (never before the break began) and refreshes the
-- session's totals. Returns the break id, or NULL when none was open.
CREATE FUNCTION wos_att_end_open_break(p_ws uuid, p_session uuid, p_at timestamptz)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    UPDATE attendance_breaks b
       SET ended_at = greatest(b.started_at, p_at),
           duration_minutes = greatest(wos_att_minutes(b.started_at, p_at), 0)
     WHERE b.workspace_id = p_ws AND b.attendance_session_id = p_session AND b.ended_at IS NULL
    RETURNING b.id INTO v_id;
    IF v_id IS NOT NULL THEN
        PERFORM wos_att_break_totals(p_ws, p_session);
    END IF;
    RETURN v_id;
END
$$;

-- Closes the session at p_out: completed, worked minutes/hours and classification (spec 04
-- §3.5). Flags, reasons and notes are the caller's business.
CREATE FUNCTION wos_att_finish(p_ws uuid, p_session uuid, p_out timestamptz) RETURNS void
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

-- Upserts daily_stats for the session's member and business date from all closed sessions of
-- that date (spec 04 §3.7): hours summed, flags OR-ed; primary_session_id is set on creation.
CREATE FUNCTION wos_att_daily_stats(p_ws uuid, p_session uuid) RETURNS void
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

-- ---------------------------------------------------------------------------------------------
-- Auto-close (spec 04 §5, §11; 08 §1.2)
-- ---------------------------------------------------------------------------------------------

-- Closes one session when it is stale at p_now, with everything that follows: open break
-- ended, worked time and classification, reason auto_checkout and the note, daily stats, the
-- member's notification, one missing_checkout alert for the member, one e-mail job to the
-- member's manager, the matching exception and an audit row. Returns true when it closed the
-- session; false when the session is not active or not stale. Locks the session row.
CREATE FUNCTION wos_att_autoclose_session(p_ws uuid, p_session uuid, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    s attendance_sessions;
    st record;
    v_deadline_max timestamptz;
    v_deadline_shift timestamptz;
    v_close timestamptz;
    v_note text;
    v_alert uuid;
    v_member record;
    v_date text;
BEGIN
    SELECT * INTO s FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.id = p_session AND a.session_status = 'active'
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    st := wos_att_settings(p_ws);
    v_deadline_max := s.check_in_at + make_interval(hours => st.max_active_hours);
    IF s.expected_shift_end_at > s.check_in_at THEN
        v_deadline_shift := s.expected_shift_end_at
                            + make_interval(mins => st.auto_close_grace_minutes);
    END IF;
    -- The earliest deadline that has passed wins, so a session closes at the same time
    -- whether the periodic job saw it in time or the member's next request finds it later.
    IF v_deadline_shift IS NOT NULL AND v_deadline_shift < v_deadline_max
       AND p_now > v_deadline_shift THEN
        v_close := v_deadline_shift;
        v_note := 'Shift ended';
    ELSIF p_now > v_deadline_max THEN
        v_close := v_deadline_max;
        v_note := 'Exceeded maximum active duration';
    ELSE
        RETURN false;
    END IF;
    v_close := greatest(least(v_close, p_now), s.check_in_at);

    PERFORM wos_att_end_open_break(p_ws, s.id, v_close);
    PERFORM wos_att_finish(p_ws, s.id, v_close);
    UPDATE attendance_sessions a
       SET checkout_after_shift_reason = 'auto_checkout', checkout_after_shift_note = v_note
     WHERE a.workspace_id = p_ws AND a.id = s.id;
    PERFORM wos_att_daily_stats(p_ws, s.id);

    v_date := to_char(s.business_date, 'YYYY-MM-DD');
    INSERT INTO notifications (workspace_id, user_id, title, message, notification_type,
        related_entity_type, related_entity_id)
    VALUES (p_ws, s.user_id, 'Attendance Auto-Checkout',
            'Your attendance session started on ' || v_date
            || ' was automatically closed: ' || v_note || '.',
            'system', 'attendance_session', s.id);

    SELECT u.full_name AS member_name, mu.email AS manager_email,
           mu.full_name AS manager_name, w.name AS workspace_name
      INTO v_member
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      JOIN workspaces w ON w.id = m.workspace_id
      LEFT JOIN memberships mm ON mm.workspace_id = m.workspace_id AND mm.user_id = m.manager_id
                              AND mm.status = 'active'
      LEFT JOIN users mu ON mu.id = mm.user_id AND mu.status = 'active'
     WHERE m.workspace_id = p_ws AND m.user_id = s.user_id;

    INSERT INTO alerts (workspace_id, alert_type, severity, recipient_user_id,
        related_entity_type, related_entity_id, email_status, title, message)
    VALUES (p_ws, 'missing_checkout', 'medium', s.user_id, 'attendance_session', s.id,
            CASE WHEN v_member.manager_email IS NULL THEN 'dismissed' ELSE 'queued' END,
            'Missing Checkout',
            v_member.member_name || ' did not check out of the attendance session of '
            || v_date || '; it was closed automatically (' || v_note || ').')
    ON CONFLICT (workspace_id, related_entity_id) WHERE alert_type = 'missing_checkout'
    DO NOTHING
    RETURNING id INTO v_alert;

    IF v_alert IS NOT NULL AND v_member.manager_email IS NOT NULL THEN
        -- The "email" job payload of src/jobs/mail.c; operational_alert renders title,
        -- message and link (a path under FRONTEND_BASE_URL).
        PERFORM wos_job_enqueue('email', jsonb_build_object(
            'template', 'operational_alert',
            'to', v_member.manager_email,
            'to_name', v_member.manager_name,
            'workspace_name', v_member.workspace_name,
            'alert_id', v_alert,
            'vars', jsonb_build_object(
                'title', 'Missing checkout: ' || v_member.member_name,
                'message', v_member.member_name || ' did not check out of the attendance'
                           || ' session of ' || v_date || '. It was closed automatically ('
                           || v_note || ').',
                'link', '/manager/attendance-exceptions?type=missing_checkout',
                'alert_type', 'missing_checkout',
                'member_name', v_member.member_name,
                'business_date', v_date)),
            'attendance.missing_checkout:' || s.id, p_ws);
    END IF;

    INSERT INTO attendance_exceptions (workspace_id, user_id, session_id, business_date,
        exception_type, severity, detected_at, reason)
    VALUES (p_ws, s.user_id, s.id, s.business_date,
            CASE WHEN v_note = 'Shift ended' THEN 'missing_checkout' ELSE 'active_too_long' END,
            'high', p_now,
            CASE WHEN v_note = 'Shift ended' THEN 'Shift window ended without checkout'
                 ELSE 'Active attendance session exceeds ' || st.max_active_hours || ' hours' END)
    ON CONFLICT (workspace_id, user_id, business_date, exception_type) DO NOTHING;

    PERFORM wos_audit_append(p_ws, NULL, 'attendance.auto_closed', 'attendance_session', s.id,
        v_member.member_name,
        jsonb_build_object('session_status', 'active'),
        jsonb_build_object('session_status', 'completed', 'check_out_at', v_close,
                           'note', v_note),
        jsonb_build_object('business_date', v_date), NULL, NULL);
    RETURN true;
END
$$;

-- Auto-closes the member's stale active session (before their own attendance requests).
-- Returns the number of sessions closed (0 or 1).
CREATE FUNCTION wos_att_autoclose_user(p_ws uuid, p_user uuid, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    SELECT a.id INTO v_id FROM attendance_sessions a
     WHERE a.workspace_id = p_ws AND a.user_id = p_user AND a.session_status = 'active';
    IF v_id IS NULL THEN
        RETURN 0;
    END IF;
    RETURN CASE WHEN wos_att_autoclose_session(p_ws, v_id, p_now) THEN 1 ELSE 0 END;
END
$$;

-- The periodic job (spec 10 §1.2, every 5 minutes): closes every stale active session of every
-- workspace at p_now. Sessions locked by a concurrent request are left to it. Returns the
-- number closed.
CREATE FUNCTION wos_attendance_autoclose_all(p_now timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_closed integer := 0;
BEGIN
    FOR r IN
        SELECT a.workspace_id, a.id
          FROM attendance_sessions a
         CROSS JOIN LATERAL wos_att_settings(a.workspace_id) st
         WHERE a.session_status = 'active'
           AND (p_now > a.check_in_at + make_interval(hours => st.max_active_hours)
                OR (a.expected_shift_end_at > a.check_in_at
                    AND p_now > a.expected_shift_end_at
                                + make_interval(mins => st.auto_close_grace_minutes)))
         ORDER BY a.check_in_at
           FOR UPDATE OF a SKIP LOCKED
    LOOP
        IF wos_att_autoclose_session(r.workspace_id, r.id, p_now) THEN
            v_closed := v_closed + 1;
        END IF;
    END LOOP;
    RETURN v_closed;
END
$$;
