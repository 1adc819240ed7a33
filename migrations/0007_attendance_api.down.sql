DROP FUNCTION wos_attendance_exception_close(uuid, uuid, uuid, text, text, text, text, timestamptz);
DROP FUNCTION wos_attendance_exceptions(uuid, uuid, date, date, date, text, text, uuid, uuid, text,
    timestamptz);
DROP FUNCTION wos_attendance_exceptions_all(timestamptz, integer, uuid);
DROP FUNCTION wos_att_exceptions_generate(uuid, uuid[], date, date, timestamptz);
DROP FUNCTION wos_attendance_correction_resolve(uuid, uuid, uuid, text, timestamptz, timestamptz,
    text, integer, text, text, timestamptz);
DROP FUNCTION wos_att_apply_correction(uuid, attendance_sessions, timestamptz, timestamptz,
    integer);
DROP FUNCTION wos_attendance_corrections_pending(uuid, uuid, text, text);
DROP FUNCTION wos_attendance_correction_request(uuid, uuid, uuid, timestamptz, timestamptz, text,
    text, text, timestamptz);
DROP FUNCTION wos_att_check_times(uuid, attendance_sessions, timestamptz, timestamptz,
    timestamptz, text, text);
DROP FUNCTION wos_attendance_export(uuid, uuid, text, date, date, uuid, uuid, text, text, text,
    text);
DROP FUNCTION wos_attendance_list(uuid, uuid, text, date, date, uuid, uuid, text, text, integer,
    integer, text, text, timestamptz);
DROP FUNCTION wos_att_view_denied(uuid, uuid, text, text, text);
DROP FUNCTION wos_att_view_sessions(uuid, uuid, text, date, date, uuid, uuid, text, text);
DROP FUNCTION wos_attendance_days(uuid, uuid, uuid, date, date, timestamptz);
DROP FUNCTION wos_attendance_today(uuid, uuid, integer, timestamptz);
DROP FUNCTION wos_att_day_status(uuid, uuid, date, timestamptz);
DROP FUNCTION wos_attendance_session_breaks(uuid, uuid, uuid);
DROP FUNCTION wos_attendance_break_current(uuid, uuid);
DROP FUNCTION wos_attendance_break_end(uuid, uuid, timestamptz);
DROP FUNCTION wos_attendance_break_start(uuid, uuid, text, text, timestamptz);
DROP FUNCTION wos_attendance_session(uuid, uuid, uuid);
DROP FUNCTION wos_attendance_active(uuid, uuid, timestamptz);
DROP FUNCTION wos_attendance_check_out(uuid, uuid, text, text, text, timestamptz);
DROP FUNCTION wos_attendance_check_in(uuid, uuid, text, text, integer, timestamptz);
DROP FUNCTION wos_att_sees(uuid, uuid, uuid);
DROP FUNCTION wos_att_scope(uuid, uuid);
DROP FUNCTION wos_att_csv(text);
DROP FUNCTION wos_att_correction_json(attendance_corrections);
DROP FUNCTION wos_att_session_json(attendance_sessions);
DROP FUNCTION wos_att_break_json(attendance_breaks);
DROP FUNCTION wos_att_refusal(text, text);
DROP FUNCTION wos_att_utc(timestamptz);
