"""Attendance time rules (spec 04 §1-§6) checked to the minute at fixed instants.

The request functions of migration 0007 take the clock as their last parameter (the API passes
now()), so these tests call them directly with instants on either side of every boundary: late
login (shift start + grace), early logout and after-shift check-out (shift end), and the
classification thresholds (60 / 240 / 360 worked minutes); for a day shift, the 17:00-02:00
Asia/Karachi shift that crosses midnight, and America/New_York shifts on both daylight-saving
change days. Expected instants are written out in UTC by hand, not computed with the code under
test.
"""
import json

import pytest

from factories import make_member, make_shift, make_workspace

EARLY = "Leaving early for a reason"


def call(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        status, body = cur.fetchone()
    return status, json.loads(body)


def check_in(conn, m, at, mode="office", note=None, grace_hours=4):
    return call(conn, "SELECT status, body FROM wos_attendance_check_in(%s::uuid, %s::uuid,"
                " %s::text, %s::text, %s::integer, %s::timestamptz)",
                m.workspace_id, m.user_id, mode, note, grace_hours, at)


def check_out(conn, m, at, reason=None, note=None, early=None):
    return call(conn, "SELECT status, body FROM wos_attendance_check_out(%s::uuid, %s::uuid,"
                " %s::text, %s::text, %s::text, %s::timestamptz)",
                m.workspace_id, m.user_id, reason, note, early, at)


def scalar(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


@pytest.fixture(scope="module")
def ws(db):
    return make_workspace(db, "Rules", timezone="Asia/Karachi")


@pytest.fixture(scope="module")
def shifts(db, ws):
    return {
        "day": make_shift(db, ws, "Day", "09:00", "18:00", "Asia/Karachi", grace=15),
        "night": make_shift(db, ws, "Night", "17:00", "02:00", "Asia/Karachi", grace=15),
        "ny_night": make_shift(db, ws, "NY night", "22:00", "06:00", "America/New_York",
                               grace=10, working_days="1,2,3,4,5,6,7"),
        "ny_day": make_shift(db, ws, "NY day", "09:00", "17:00", "America/New_York", grace=15,
                             working_days="1,2,3,4,5,6,7"),
        "ny_gap": make_shift(db, ws, "NY gap", "02:30", "10:30", "America/New_York", grace=15,
                             working_days="1,2,3,4,5,6,7"),
        "ny_repeat": make_shift(db, ws, "NY repeat", "01:30", "09:30", "America/New_York",
                                grace=15, working_days="1,2,3,4,5,6,7"),
    }


def member(db, ws, shifts, shift):
    return make_member(db, ws, "employee", shift_id=shifts[shift] if shift else None)


# ---------------------------------------------------------------------------------------------
# Pure functions


@pytest.mark.parametrize("worked,expected", [
    (None, "full_leave"), (0, "full_leave"), (59, "full_leave"), (60, "half_day"),
    (61, "half_day"), (239, "half_day"), (240, "short_leave"), (241, "short_leave"),
    (359, "short_leave"), (360, "short_leave"), (361, "full_day"), (900, "full_day"),
])
def test_classification_thresholds(db, worked, expected):
    assert scalar(db, "SELECT wos_att_classify(%s::integer, 60, 240, 360)", worked) == expected


@pytest.mark.parametrize("local,expected", [
    # the spec's worked examples for a 17:00-02:00 shift with a 4 h grace (04 §1)
    ("2024-06-26 00:30", "2024-06-25"), ("2024-06-26 01:30", "2024-06-25"),
    ("2024-06-26 02:03", "2024-06-25"), ("2024-06-26 03:00", "2024-06-25"),
    ("2024-06-26 05:59", "2024-06-25"), ("2024-06-26 06:00", "2024-06-26"),
    ("2024-06-26 06:01", "2024-06-26"), ("2024-06-26 08:00", "2024-06-26"),
    ("2024-06-25 16:59", "2024-06-25"), ("2024-06-25 17:10", "2024-06-25"),
])
def test_overnight_business_date(db, local, expected):
    got = scalar(db, "SELECT wos_att_business_date((%s::timestamp AT TIME ZONE 'Asia/Karachi'),"
                 " '17:00', '02:00', 'Asia/Karachi', 4)::text", local)
    assert got == expected


@pytest.mark.parametrize("local,tz,utc", [
    ("2024-03-10 01:59", "America/New_York", "2024-03-10T06:59:00Z"),
    ("2024-03-10 02:00", "America/New_York", "2024-03-10T07:00:00Z"),  # skipped: the jump
    ("2024-03-10 02:30", "America/New_York", "2024-03-10T07:00:00Z"),  # skipped: the jump
    ("2024-03-10 03:00", "America/New_York", "2024-03-10T07:00:00Z"),
    ("2024-03-10 03:01", "America/New_York", "2024-03-10T07:01:00Z"),
    ("2024-11-03 00:59", "America/New_York", "2024-11-03T04:59:00Z"),
    ("2024-11-03 01:30", "America/New_York", "2024-11-03T05:30:00Z"),  # repeated: first (EDT)
    ("2024-11-03 02:00", "America/New_York", "2024-11-03T07:00:00Z"),
    ("2024-06-25 17:00", "Asia/Karachi", "2024-06-25T12:00:00Z"),
    ("2024-10-06 02:15", "Australia/Lord_Howe", "2024-10-05T15:30:00Z"),  # 30-minute jump
])
def test_local_instant_across_dst(db, local, tz, utc):
    got = scalar(db, "SELECT to_char(wos_att_local_instant(%s::timestamp, %s) AT TIME ZONE 'UTC',"
                 " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", local, tz)
    assert got == utc


@pytest.mark.parametrize("date,start,end,tz,w_start,w_end,minutes", [
    ("2024-06-25", "17:00", "02:00", "Asia/Karachi", "2024-06-25 12:00", "2024-06-25 21:00", 540),
    ("2024-03-09", "22:00", "06:00", "America/New_York", "2024-03-10 03:00", "2024-03-10 10:00",
     420),  # the night the clocks go forward is 7 hours long
    ("2024-11-02", "22:00", "06:00", "America/New_York", "2024-11-03 02:00", "2024-11-03 11:00",
     540),  # the night they go back is 9 hours long
    ("2024-03-10", "09:00", "17:00", "America/New_York", "2024-03-10 13:00", "2024-03-10 21:00",
     480),
    ("2024-03-08", "09:00", "17:00", "America/New_York", "2024-03-08 14:00", "2024-03-08 22:00",
     480),
])
def test_shift_windows(db, date, start, end, tz, w_start, w_end, minutes):
    with db.cursor() as cur:
        cur.execute("SELECT start_at AT TIME ZONE 'UTC', end_at AT TIME ZONE 'UTC',"
                    " wos_att_minutes(start_at, end_at)"
                    " FROM wos_att_window(%s::date, %s::time, %s::time, %s)", (date, start, end, tz))
        got = cur.fetchone()
    assert (str(got[0])[:16], str(got[1])[:16], got[2]) == (w_start, w_end, minutes)


# ---------------------------------------------------------------------------------------------
# Check-in: late login at start + grace, business date and expected window

CHECK_IN_CASES = [
    # shift, check-in instant, late?, late minutes, business date, expected start, expected end
    ("day", "2024-06-25 08:59:00+05", False, 0, "2024-06-25", "2024-06-25T04:00", "2024-06-25T13:00"),
    ("day", "2024-06-25 09:14:00+05", False, 0, "2024-06-25", "2024-06-25T04:00", "2024-06-25T13:00"),
    ("day", "2024-06-25 09:15:00+05", False, 0, "2024-06-25", "2024-06-25T04:00", "2024-06-25T13:00"),
    ("day", "2024-06-25 09:15:01+05", True, 15, "2024-06-25", "2024-06-25T04:00", "2024-06-25T13:00"),
    ("day", "2024-06-25 09:16:00+05", True, 16, "2024-06-25", "2024-06-25T04:00", "2024-06-25T13:00"),
    ("night", "2024-06-25 17:14:00+05", False, 0, "2024-06-25", "2024-06-25T12:00", "2024-06-25T21:00"),
    ("night", "2024-06-25 17:15:00+05", False, 0, "2024-06-25", "2024-06-25T12:00", "2024-06-25T21:00"),
    ("night", "2024-06-25 17:16:00+05", True, 16, "2024-06-25", "2024-06-25T12:00", "2024-06-25T21:00"),
    # after midnight the check-in still belongs to the previous evening's shift
    ("night", "2024-06-26 01:30:00+05", True, 510, "2024-06-25", "2024-06-25T12:00", "2024-06-25T21:00"),
    ("night", "2024-06-26 06:01:00+05", False, 0, "2024-06-26", "2024-06-26T12:00", "2024-06-26T21:00"),
    # New York night shift across the spring-forward night (22:00 EST = 03:00Z)
    ("ny_night", "2024-03-10 03:10:00+00", False, 0, "2024-03-09", "2024-03-10T03:00", "2024-03-10T10:00"),
    ("ny_night", "2024-03-10 03:11:00+00", True, 11, "2024-03-09", "2024-03-10T03:00", "2024-03-10T10:00"),
    # ... and across the fall-back night (22:00 EDT = 02:00Z)
    ("ny_night", "2024-11-03 02:10:00+00", False, 0, "2024-11-02", "2024-11-03T02:00", "2024-11-03T11:00"),
    ("ny_night", "2024-11-03 02:11:00+00", True, 11, "2024-11-02", "2024-11-03T02:00", "2024-11-03T11:00"),
    # 01:30 local happens twice on 2024-11-03; both belong to the night of the 2nd
    ("ny_night", "2024-11-03 05:30:00+00", True, 210, "2024-11-02", "2024-11-03T02:00", "2024-11-03T11:00"),
    ("ny_night", "2024-11-03 06:30:00+00", True, 270, "2024-11-02", "2024-11-03T02:00", "2024-11-03T11:00"),
    # New York day shift: 09:00 is 13:00Z after the change, 14:00Z before it
    ("ny_day", "2024-03-10 13:15:00+00", False, 0, "2024-03-10", "2024-03-10T13:00", "2024-03-10T21:00"),
    ("ny_day", "2024-03-10 13:16:00+00", True, 16, "2024-03-10", "2024-03-10T13:00", "2024-03-10T21:00"),
    ("ny_day", "2024-03-08 14:16:00+00", True, 16, "2024-03-08", "2024-03-08T14:00", "2024-03-08T22:00"),
    # a shift starting at 02:30, which does not exist on 2024-03-10: it starts when clocks jump
    ("ny_gap", "2024-03-10 07:15:00+00", False, 0, "2024-03-10", "2024-03-10T07:00", "2024-03-10T14:30"),
    ("ny_gap", "2024-03-10 07:16:00+00", True, 16, "2024-03-10", "2024-03-10T07:00", "2024-03-10T14:30"),
    # a shift starting at 01:30, which happens twice on 2024-11-03: the first time counts
    ("ny_repeat", "2024-11-03 05:45:00+00", False, 0, "2024-11-03", "2024-11-03T05:30", "2024-11-03T14:30"),
    ("ny_repeat", "2024-11-03 05:46:00+00", True, 16, "2024-11-03", "2024-11-03T05:30", "2024-11-03T14:30"),
]


@pytest.mark.parametrize("shift,at,late,minutes,bdate,start,end", CHECK_IN_CASES)
def test_check_in_lateness_and_window(db, ws, shifts, shift, at, late, minutes, bdate, start, end):
    m = member(db, ws, shifts, shift)
    status, s = check_in(db, m, at)
    assert status == 201, s
    assert (s["is_late_login"], s["late_minutes"]) == (late, minutes)
    assert s["business_date"] == bdate
    assert s["expected_shift_start_at"].startswith(start + ":00.")
    assert s["expected_shift_end_at"].startswith(end + ":00.")
    assert s["session_status"] == "active" and s["attendance_classification"] == "active"


def test_check_in_without_shift_uses_workspace_date_and_is_never_late(db, ws, shifts):
    m = member(db, ws, shifts, None)
    status, s = check_in(db, m, "2024-06-25 23:30:00+00")  # 04:30 on the 26th in Karachi
    assert status == 201
    assert s["business_date"] == "2024-06-26"
    assert s["is_late_login"] is False and s["late_minutes"] == 0
    assert s["expected_shift_start_at"] is None and s["expected_shift_end_at"] is None


def test_second_check_in_is_409(db, ws, shifts):
    m = member(db, ws, shifts, "day")
    assert check_in(db, m, "2024-06-25 09:00:00+05")[0] == 201
    status, body = check_in(db, m, "2024-06-25 09:05:00+05")
    assert status == 409
    assert body["message"] == "You already have an active attendance session."


# ---------------------------------------------------------------------------------------------
# Check-out: early logout before the end, justification after it, worked time and class

CHECK_OUT_CASES = [
    # shift, check-in, check-out, (reason, note, early reason), status, early?, early min,
    # overtime?, worked minutes, classification
    ("day", "2024-06-25 09:00+05", "2024-06-25 17:59+05", (None, None, None), 400, None, None, None, None, None),
    ("day", "2024-06-25 09:00+05", "2024-06-25 17:59+05", (None, None, "  abcd  "), 400, None, None, None, None, None),
    ("day", "2024-06-25 09:00+05", "2024-06-25 17:59+05", (None, None, "abcde"), 200, True, 1, False, 539, "full_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 17:59:30+05", (None, None, EARLY), 200, True, 0, False, 539, "full_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 18:00+05", (None, None, None), 200, False, None, False, 540, "full_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 18:00:01+05", (None, None, None), 422, None, None, None, None, None),
    ("day", "2024-06-25 09:00+05", "2024-06-25 18:01+05", ("overtime", None, None), 422, None, None, None, None, None),
    ("day", "2024-06-25 09:00+05", "2024-06-25 18:01+05", ("Overtime", "release night", None), 200, False, None, True, 541, "full_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 18:01+05", ("forgot_checkout", "left at 6", None), 200, False, None, False, 541, "full_day"),
    # classification thresholds on worked minutes
    ("day", "2024-06-25 09:00+05", "2024-06-25 09:59+05", (None, None, EARLY), 200, True, 481, False, 59, "full_leave"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 10:00+05", (None, None, EARLY), 200, True, 480, False, 60, "half_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 10:00:59+05", (None, None, EARLY), 200, True, 479, False, 60, "half_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 10:01+05", (None, None, EARLY), 200, True, 479, False, 61, "half_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 12:59+05", (None, None, EARLY), 200, True, 301, False, 239, "half_day"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 13:00+05", (None, None, EARLY), 200, True, 300, False, 240, "short_leave"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 13:01+05", (None, None, EARLY), 200, True, 299, False, 241, "short_leave"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 14:59+05", (None, None, EARLY), 200, True, 181, False, 359, "short_leave"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 15:00+05", (None, None, EARLY), 200, True, 180, False, 360, "short_leave"),
    ("day", "2024-06-25 09:00+05", "2024-06-25 15:01+05", (None, None, EARLY), 200, True, 179, False, 361, "full_day"),
    # overnight Karachi: the 01:30 check-out closes the 17:00 session of the previous day
    ("night", "2024-06-25 17:00+05", "2024-06-26 01:30+05", (None, None, EARLY), 200, True, 30, False, 510, "full_day"),
    ("night", "2024-06-25 17:00+05", "2024-06-26 01:59+05", (None, None, EARLY), 200, True, 1, False, 539, "full_day"),
    ("night", "2024-06-25 17:00+05", "2024-06-26 02:00+05", (None, None, None), 200, False, None, False, 540, "full_day"),
    ("night", "2024-06-25 17:00+05", "2024-06-26 02:01+05", (None, None, None), 422, None, None, None, None, None),
    ("night", "2024-06-25 21:00+05", "2024-06-26 02:00+05", (None, None, None), 200, False, None, False, 300, "short_leave"),
    # New York nights: 7 hours when clocks go forward, 9 when they go back
    ("ny_night", "2024-03-10 03:00+00", "2024-03-10 09:59+00", (None, None, EARLY), 200, True, 1, False, 419, "full_day"),
    ("ny_night", "2024-03-10 03:00+00", "2024-03-10 10:00+00", (None, None, None), 200, False, None, False, 420, "full_day"),
    ("ny_night", "2024-03-10 03:00+00", "2024-03-10 10:01+00", (None, None, None), 422, None, None, None, None, None),
    ("ny_night", "2024-03-10 04:00+00", "2024-03-10 10:00+00", (None, None, None), 200, False, None, False, 360, "short_leave"),
    ("ny_night", "2024-11-03 02:00+00", "2024-11-03 10:59+00", (None, None, EARLY), 200, True, 1, False, 539, "full_day"),
    ("ny_night", "2024-11-03 02:00+00", "2024-11-03 11:00+00", (None, None, None), 200, False, None, False, 540, "full_day"),
    ("ny_night", "2024-11-03 02:00+00", "2024-11-03 11:01+00", ("overtime", "inventory", None), 200, False, None, True, 541, "full_day"),
]


@pytest.mark.parametrize("shift,cin,cout,texts,status,early,early_min,overtime,worked,cls",
                         CHECK_OUT_CASES)
def test_check_out_flags_and_classification(db, ws, shifts, shift, cin, cout, texts, status,
                                            early, early_min, overtime, worked, cls):
    m = member(db, ws, shifts, shift)
    assert check_in(db, m, cin)[0] == 201
    got_status, s = check_out(db, m, cout, *texts)
    assert got_status == status, s
    if status == 422:
        assert s["message"] == "Reason and note are required for checkout after shift end."
        return
    if status == 400:
        assert s["message"] == ("A reason of at least 5 characters is required for checking out"
                                " before your shift ends.")
        return
    assert s["session_status"] == "completed"
    assert s["is_early_logout"] is early
    assert s["early_checkout_minutes"] == early_min
    assert s["is_overtime"] is overtime
    assert s["worked_minutes"] == worked and s["duration_minutes"] == worked
    assert s["attendance_classification"] == cls
    assert abs(s["total_hours"] * 60 - worked) < 1
    if texts[0]:
        assert s["checkout_after_shift_reason"] == texts[0].strip()
        assert s["checkout_after_shift_note"] == texts[1]
    if early:
        assert s["early_checkout_reason"] == texts[2].strip()


def test_check_out_without_session_is_404(db, ws, shifts):
    m = member(db, ws, shifts, "day")
    status, body = check_out(db, m, "2024-06-25 18:00+05")
    assert status == 404 and body["message"] == "No active attendance session found."


def test_overnight_daily_stats_use_the_business_date(db, ws, shifts):
    m = member(db, ws, shifts, "night")
    assert check_in(db, m, "2024-06-25 17:20+05")[0] == 201
    assert check_out(db, m, "2024-06-26 02:00+05")[0] == 200
    with db.cursor() as cur:
        cur.execute("SELECT date::text, round(total_hours::numeric * 60), is_late_login,"
                    " is_absent FROM daily_stats WHERE workspace_id = %s AND user_id = %s",
                    (m.workspace_id, m.user_id))
        assert cur.fetchall() == [("2024-06-25", 520, True, False)]


def test_workspace_thresholds_are_settings(db, shifts):
    ws = make_workspace(db, "Thresholds", timezone="Asia/Karachi")
    with db.cursor() as cur:
        cur.execute("UPDATE application_settings SET value = '500' WHERE workspace_id = %s"
                    " AND key = 'attendance.full_day_above_minutes'", (ws,))
    m = make_member(db, ws, "employee")
    assert check_in(db, m, "2024-06-25 09:00+05")[0] == 201
    status, s = check_out(db, m, "2024-06-25 17:20+05")  # 500 minutes, no shift
    assert status == 200 and (s["worked_minutes"], s["attendance_classification"]) == (
        500, "short_leave")


# ---------------------------------------------------------------------------------------------
# Breaks at fixed instants


def break_start(conn, m, at, kind="dinner", note=None):
    return call(conn, "SELECT status, body FROM wos_attendance_break_start(%s::uuid, %s::uuid,"
                " %s::text, %s::text, %s::timestamptz)", m.workspace_id, m.user_id, kind, note, at)


def break_end(conn, m, at):
    return call(conn, "SELECT status, body FROM wos_attendance_break_end(%s::uuid, %s::uuid,"
                " %s::timestamptz)", m.workspace_id, m.user_id, at)


def test_breaks_are_paid_and_summed_per_type(db, ws, shifts):
    m = member(db, ws, shifts, "night")
    assert check_in(db, m, "2024-06-25 17:00+05")[0] == 201
    assert break_start(db, m, "2024-06-25 20:00+05", "dinner")[0] == 201
    status, b = break_end(db, m, "2024-06-25 20:30:59+05")
    assert status == 200 and b["duration_minutes"] == 30 and b["is_paid"] is True
    assert break_start(db, m, "2024-06-25 23:50+05", "prayer")[0] == 201
    assert break_end(db, m, "2024-06-26 00:05+05")[1]["duration_minutes"] == 15
    assert break_start(db, m, "2024-06-26 01:00+05", "other")[0] == 422
    assert break_start(db, m, "2024-06-26 01:00+05", "other", "call home")[0] == 201
    # check-out closes the open break at the same instant
    status, s = check_out(db, m, "2024-06-26 02:00+05")
    assert status == 200
    assert (s["dinner_break_minutes"], s["prayer_break_minutes"], s["other_break_minutes"],
            s["total_break_minutes"]) == (30, 15, 60, 105)
    assert s["worked_minutes"] == 540  # paid breaks are not deducted
    assert s["active_break"] is None
    assert s["breaks"][-1]["ended_at"] == s["check_out_at"]


# ---------------------------------------------------------------------------------------------
# Auto-close (04 §5) with its alert, e-mail, notification and exception


def autoclose_all(conn, at):
    return scalar(conn, "SELECT wos_attendance_autoclose_all(%s::timestamptz)", at)


def session_row(conn, session_id):
    with conn.cursor() as cur:
        cur.execute("SELECT session_status, check_out_at AT TIME ZONE 'UTC', worked_minutes,"
                    " checkout_after_shift_reason, checkout_after_shift_note,"
                    " attendance_classification FROM attendance_sessions WHERE id = %s",
                    (session_id,))
        return cur.fetchone()


def counts(conn, ws, session_id):
    with conn.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM alerts WHERE workspace_id = %s"
                    "          AND related_entity_id = %s AND alert_type = 'missing_checkout'),"
                    " (SELECT count(*) FROM jobs WHERE kind = 'email'"
                    "          AND idempotency_key = 'attendance.missing_checkout:' || %s),"
                    " (SELECT count(*) FROM notifications WHERE workspace_id = %s"
                    "          AND related_entity_id = %s AND title = 'Attendance Auto-Checkout')",
                    (ws, session_id, session_id, ws, session_id))
        return cur.fetchone()


def test_autoclose_at_shift_end_plus_grace_once(db):
    ws = make_workspace(db, "Autoclose", timezone="Asia/Karachi")
    night = make_shift(db, ws, "Night", "17:00", "02:00", "Asia/Karachi")
    boss = make_member(db, ws, "manager", full_name="Boss Person")
    m = make_member(db, ws, "employee", manager=boss.user_id, shift_id=night,
                    full_name="Night Worker")
    status, s = check_in(db, m, "2024-01-10 17:05+05")
    assert status == 201
    assert break_start(db, m, "2024-01-11 01:30+05")[0] == 201
    # the deadline is 02:00 + 60 min; nothing happens at or before it
    autoclose_all(db, "2024-01-11 02:59:59+05")
    autoclose_all(db, "2024-01-11 03:00:00+05")
    assert session_row(db, s["id"])[0] == "active"
    autoclose_all(db, "2024-01-11 03:00:01+05")
    row = session_row(db, s["id"])
    assert row[0] == "completed"
    assert str(row[1]) == "2024-01-10 22:00:00"  # closed at 03:00 local, not at "now"
    assert row[2] == 595 and row[5] == "full_day"
    assert (row[3], row[4]) == ("auto_checkout", "Shift ended")
    assert counts(db, ws, s["id"]) == (1, 1, 1)
    # the open break ended at the close time
    with db.cursor() as cur:
        cur.execute("SELECT ended_at AT TIME ZONE 'UTC', duration_minutes FROM attendance_breaks"
                    " WHERE attendance_session_id = %s", (s["id"],))
        assert [(str(a), b) for a, b in cur.fetchall()] == [("2024-01-10 22:00:00", 90)]
        cur.execute("SELECT payload FROM jobs WHERE kind = 'email'"
                    " AND idempotency_key = 'attendance.missing_checkout:' || %s", (s["id"],))
        payload = cur.fetchone()[0]
        cur.execute("SELECT message FROM notifications WHERE related_entity_id = %s", (s["id"],))
        assert cur.fetchone()[0] == ("Your attendance session started on 2024-01-10 was"
                                     " automatically closed: Shift ended.")
        cur.execute("SELECT exception_type, business_date::text FROM attendance_exceptions"
                    " WHERE session_id = %s", (s["id"],))
        assert cur.fetchall() == [("missing_checkout", "2024-01-10")]
    assert payload["template"] == "operational_alert"
    assert payload["to"] == boss.email and payload["to_name"] == "Boss Person"
    assert "Night Worker" in payload["vars"]["message"]
    assert "2024-01-10" in payload["vars"]["message"]
    assert payload["vars"]["link"].startswith("/")
    # running again, later, changes nothing: one alert, one e-mail, one notification
    autoclose_all(db, "2024-01-12 12:00+05")
    autoclose_all(db, "2024-01-13 12:00+05")
    assert counts(db, ws, s["id"]) == (1, 1, 1)


def test_autoclose_after_max_hours_for_a_check_in_after_the_window(db):
    ws = make_workspace(db, "Autoclose max", timezone="Asia/Karachi")
    night = make_shift(db, ws, "Night", "17:00", "02:00", "Asia/Karachi")
    m = make_member(db, ws, "employee", shift_id=night)  # no manager: no e-mail
    status, s = check_in(db, m, "2024-01-11 04:00+05")  # window of the 10th already ended
    assert status == 201 and s["business_date"] == "2024-01-10"
    autoclose_all(db, "2024-01-11 20:00+05")  # 16 h exactly: not yet
    assert session_row(db, s["id"])[0] == "active"
    autoclose_all(db, "2024-01-11 20:01+05")
    row = session_row(db, s["id"])
    assert row[0] == "completed" and str(row[1]) == "2024-01-11 15:00:00"
    assert row[4] == "Exceeded maximum active duration" and row[2] == 960
    assert counts(db, ws, s["id"]) == (1, 0, 1)


def test_autoclose_runs_before_the_members_own_check_in(db):
    ws = make_workspace(db, "Autoclose own", timezone="Asia/Karachi")
    day = make_shift(db, ws, "Day", "09:00", "18:00", "Asia/Karachi")
    m = make_member(db, ws, "employee", shift_id=day)
    status, first = check_in(db, m, "2024-02-05 09:00+05")
    assert status == 201
    status, second = check_in(db, m, "2024-02-06 09:05+05")  # forgot yesterday's check-out
    assert status == 201
    # closed at the shift's deadline (18:00 + 60 min), the earliest one that passed, exactly
    # as the periodic job would have closed it
    row = session_row(db, first["id"])
    assert row[0] == "completed" and str(row[1]) == "2024-02-05 14:00:00"  # 19:00 local
    assert (row[2], row[4]) == (600, "Shift ended")
    assert second["business_date"] == "2024-02-06"


def test_exception_generation_for_still_active_sessions(db):
    ws = make_workspace(db, "Exceptions gen", timezone="Asia/Karachi")
    night = make_shift(db, ws, "Night", "17:00", "02:00", "Asia/Karachi",
                       working_days="1,2,3,4,5,6,7")
    late = make_member(db, ws, "employee", shift_id=night)
    early_bird = make_member(db, ws, "employee", shift_id=night)
    status, s = check_in(db, late, "2024-01-15 17:30+05")
    assert status == 201
    assert check_in(db, early_bird, "2024-01-15 16:50+05")[0] == 201

    def generate(at):
        return scalar(db, "SELECT wos_att_exceptions_generate(%s::uuid, NULL, '2024-01-15',"
                      " '2024-01-15', %s::timestamptz)", ws, at)

    def kinds(m):
        with db.cursor() as cur:
            cur.execute("SELECT exception_type FROM attendance_exceptions WHERE user_id = %s"
                        " ORDER BY 1", (m.user_id,))
            return [r[0] for r in cur.fetchall()]

    generate("2024-01-16 03:00+05")  # exactly end + 60 min: not yet missing
    assert kinds(late) == ["late"] and kinds(early_bird) == []
    generate("2024-01-16 03:01+05")
    assert kinds(late) == ["late", "missing_checkout"]
    generate("2024-01-16 09:31+05")  # more than 16 h after the 17:30 check-in
    assert kinds(late) == ["active_too_long", "late", "missing_checkout"]
    assert kinds(early_bird) == ["active_too_long", "missing_checkout"]
    # idempotent, and a resolved row is never recreated or reopened
    with db.cursor() as cur:
        cur.execute("UPDATE attendance_exceptions SET status = 'resolved' WHERE user_id = %s",
                    (late.user_id,))
    assert generate("2024-01-17 12:00+05") == 0
    with db.cursor() as cur:
        cur.execute("SELECT count(*), bool_and(status = 'resolved') FROM attendance_exceptions"
                    " WHERE user_id = %s", (late.user_id,))
        assert cur.fetchone() == (3, True)


def test_today_after_midnight_on_an_overnight_shift(db, ws, shifts):
    m = member(db, ws, shifts, "night")
    with db.cursor() as cur:
        cur.execute("UPDATE memberships SET joined_at = '2024-01-01' WHERE user_id = %s",
                    (m.user_id,))

    def today(at):
        return call(db, "SELECT status, body FROM wos_attendance_today(%s::uuid, %s::uuid, 4,"
                    " %s::timestamptz)", m.workspace_id, m.user_id, at)[1]

    before = today("2024-07-01 16:00+05")
    assert before["business_date"] == "2024-07-01" and before["status"] == "scheduled"
    assert before["shift"]["window_start_at"] == "2024-07-01T12:00:00.000000Z"
    assert today("2024-07-01 17:15+05")["status"] == "scheduled"
    assert today("2024-07-01 17:15:01+05")["status"] == "absent"
    assert today("2024-07-01 17:16+05")["checked_in"] is False
    assert check_in(db, m, "2024-07-01 17:10+05")[0] == 201
    assert today("2024-07-01 17:11+05")["status"] == "present"
    assert break_start(db, m, "2024-07-01 21:00+05")[0] == 201
    assert break_end(db, m, "2024-07-01 21:20+05")[0] == 200
    assert break_start(db, m, "2024-07-02 01:20+05", "prayer")[0] == 201
    t = today("2024-07-02 01:30+05")
    assert t["business_date"] == "2024-07-01" and t["status"] == "present"
    assert t["checked_in"] is True and t["on_break"] is True
    assert (t["worked_minutes"], t["break_minutes"]) == (500, 30)
    assert t["session"]["business_date"] == "2024-07-01"
    # past the 4-hour grace the open session still counts for the day it started
    t = today("2024-07-02 02:30+05")
    assert t["business_date"] == "2024-07-01" and t["worked_minutes"] == 560


def test_exception_jobs_cover_today_or_yesterday_in_the_workspace_zone(db):
    ws = make_workspace(db, "Exceptions job", timezone="Asia/Karachi")
    m = make_member(db, ws, "employee")  # no shift: absent once the day is over
    with db.cursor() as cur:
        cur.execute("UPDATE memberships SET joined_at = '2024-01-01' WHERE user_id = %s",
                    (m.user_id,))

    def absent_dates():
        with db.cursor() as cur:
            cur.execute("SELECT business_date::text FROM attendance_exceptions"
                        " WHERE user_id = %s AND exception_type = 'absent' ORDER BY 1",
                        (m.user_id,))
            return [r[0] for r in cur.fetchall()]

    # Wednesday 2024-01-17 00:30 in Karachi is still Tuesday 19:30 UTC
    at = "2024-01-16 19:30:00+00"
    assert scalar(db, "SELECT wos_attendance_exceptions_all(%s::timestamptz, 0, %s::uuid)",
                  at, ws) == 0  # today (the 17th) is not over
    assert scalar(db, "SELECT wos_attendance_exceptions_all(%s::timestamptz, 1, %s::uuid)",
                  at, ws) == 1
    assert absent_dates() == ["2024-01-16"]
