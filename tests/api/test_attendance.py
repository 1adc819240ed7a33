"""Attendance over HTTP (spec 04): check-in/out, breaks, concurrency, corrections, views and
their scope per role, CSV export, daily status with holidays and leave, exceptions and
auto-close on the member's own request.

Sessions in the past are made with the SQL request functions at fixed instants (the same code
the API runs with now()); everything else goes through the real server.
"""
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from factories import make_department, make_member, make_shift, make_workspace

API = "/api/v1/attendance"
EARLY = "Doctor appointment"


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


def url(server, path):
    return server.url + API + path


def get(server, m, path, **params):
    return requests.get(url(server, path), headers=m.auth(server), params=params, timeout=30)


def post(server, m, path, body=None):
    if body is None:
        return requests.post(url(server, path), headers=m.auth(server), timeout=30)
    return requests.post(url(server, path), headers=m.auth(server), json=body, timeout=30)


def patch(server, m, path, body):
    return requests.patch(url(server, path), headers=m.auth(server), json=body, timeout=30)


def sql(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def past_session(db, m, cin, cout=None, mode="office", note=None, early=EARLY, after=None):
    """A session at fixed instants through the SQL request functions; returns its JSON."""
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_check_in(%s::uuid,"
                          " %s::uuid, %s, %s, 4, %s::timestamptz)",
                          m.workspace_id, m.user_id, mode, note, cin)
    assert status == 201, body
    if cout is None:
        return json.loads(body)
    reason, after_note = after or (None, None)
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_check_out(%s::uuid,"
                          " %s::uuid, %s, %s, %s, %s::timestamptz)",
                          m.workspace_id, m.user_id, reason, after_note, early, cout)
    assert status == 200, body
    return json.loads(body)


def audit_count(db, ws, action, entity_id=None):
    rows = sql(db, "SELECT count(*) FROM audit_logs WHERE workspace_id = %s AND action_type = %s"
               " AND (%s::uuid IS NULL OR entity_id = %s::uuid)", ws, action, entity_id, entity_id)
    return rows[0][0]


def error(r):
    return r.json()["error"]


# ---------------------------------------------------------------------------------------------
# Check-in / check-out


def test_check_in_and_out_round_trip(server, db):
    ws = make_workspace(db)
    m = make_member(db, ws, "employee", full_name="Round Trip")
    r = post(server, m, "/check-in", {"work_mode": "wfh", "note": "from home"})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["user_id"] == m.user_id and s["user_full_name"] == "Round Trip"
    assert s["work_mode"] == "wfh" and s["note"] == "from home"
    assert s["session_status"] == "active" and s["check_out_at"] is None
    assert s["check_in_at"].endswith("Z") and s["breaks"] == [] and s["active_break"] is None
    assert s["expected_shift_start_at"] is None and s["is_late_login"] is False

    assert get(server, m, "/active").json()["id"] == s["id"]
    today = get(server, m, "/today").json()
    assert today["checked_in"] is True and today["on_break"] is False
    assert today["worked_minutes"] == 0 and today["session"]["id"] == s["id"]
    assert today["status"] == "wfh"

    r = post(server, m, "/check-out")  # no body: within (no) shift nothing to justify
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["session_status"] == "completed" and done["check_out_at"].endswith("Z")
    assert done["attendance_classification"] == "full_leave" and done["worked_minutes"] == 0
    assert get(server, m, "/active").json() is None
    assert get(server, m, "/today").json()["checked_in"] is False
    r = post(server, m, "/check-out")
    assert r.status_code == 404 and error(r)["message"] == "No active attendance session found."


def test_check_in_validation(server, db):
    m = make_member(db, make_workspace(db), "employee")
    for body in ({}, {"work_mode": "home"}, {"work_mode": "office", "extra": 1},
                 {"work_mode": "office", "note": "x" * 2001}):
        r = post(server, m, "/check-in", body)
        assert r.status_code == 422 and error(r)["code"] == "VALIDATION_ERROR", body
    r = requests.post(url(server, "/check-in"), data="work_mode=office",
                      headers={**m.auth(server), "Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 415
    assert requests.post(url(server, "/check-in"), json={"work_mode": "office"},
                         timeout=10).status_code == 401


def test_second_check_in_is_409(server, db):
    m = make_member(db, make_workspace(db), "employee")
    assert post(server, m, "/check-in", {"work_mode": "office"}).status_code == 201
    r = post(server, m, "/check-in", {"work_mode": "office"})
    assert r.status_code == 409 and error(r)["code"] == "CONFLICT"
    assert error(r)["message"] == "You already have an active attendance session."


def race(n, fn):
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(r.status_code for r in pool.map(one, range(n)))


def test_twenty_concurrent_check_ins_exactly_one_wins(server, db):
    m = make_member(db, make_workspace(db), "employee")
    codes = race(20, lambda: post(server, m, "/check-in", {"work_mode": "office"}))
    assert codes == [201] + [409] * 19
    assert sql(db, "SELECT count(*) FROM attendance_sessions WHERE user_id = %s",
               m.user_id)[0][0] == 1


def test_twenty_concurrent_break_starts_exactly_one_wins(server, db):
    m = make_member(db, make_workspace(db), "employee")
    assert post(server, m, "/check-in", {"work_mode": "office"}).status_code == 201
    codes = race(20, lambda: post(server, m, "/breaks/start", {"break_type": "prayer"}))
    assert codes == [201] + [409] * 19
    assert sql(db, "SELECT count(*) FROM attendance_breaks WHERE user_id = %s",
               m.user_id)[0][0] == 1


def test_breaks_and_check_out_with_an_open_break(server, db):
    m = make_member(db, make_workspace(db), "employee")
    r = post(server, m, "/breaks/start", {"break_type": "dinner"})
    assert r.status_code == 400
    assert error(r)["message"] == "Cannot start break without an active attendance session."
    r = post(server, m, "/breaks/end")
    assert r.status_code == 400 and error(r)["message"] == "No active attendance session."
    assert get(server, m, "/breaks/current").json() is None

    s = post(server, m, "/check-in", {"work_mode": "office"}).json()
    r = post(server, m, "/breaks/end")
    assert r.status_code == 404 and error(r)["message"] == "No active break found."
    r = post(server, m, "/breaks/start", {"break_type": "other"})
    assert r.status_code == 422 and error(r)["code"] == "VALIDATION_ERROR"
    assert error(r)["message"] == "Note is required for 'other' break type."
    assert post(server, m, "/breaks/start", {"break_type": "lunch"}).status_code == 422
    b = post(server, m, "/breaks/start", {"break_type": "other", "note": "parcel"})
    assert b.status_code == 201, b.text
    b = b.json()
    assert b["attendance_session_id"] == s["id"] and b["is_paid"] is True
    assert b["ended_at"] is None and b["note"] == "parcel"
    r = post(server, m, "/breaks/start", {"break_type": "prayer"})
    assert r.status_code == 409 and error(r)["message"] == "You already have an active break."
    assert get(server, m, "/breaks/current").json()["id"] == b["id"]
    today = get(server, m, "/today").json()
    assert today["on_break"] is True and today["active_break"]["id"] == b["id"]

    done = post(server, m, "/check-out").json()
    assert done["session_status"] == "completed" and done["active_break"] is None
    assert done["breaks"][0]["id"] == b["id"]
    assert done["breaks"][0]["ended_at"] == done["check_out_at"]
    assert get(server, m, "/breaks/current").json() is None
    listed = get(server, m, f"/sessions/{s['id']}/breaks")
    assert listed.status_code == 200 and [x["id"] for x in listed.json()] == [b["id"]]


def test_after_shift_check_out_needs_reason_and_note(server, db):
    ws = make_workspace(db)
    shift = make_shift(db, ws, "Any", "00:00", "23:59", "UTC", working_days="1,2,3,4,5,6,7")
    m = make_member(db, ws, "employee", shift_id=shift)
    s = post(server, m, "/check-in", {"work_mode": "office"}).json()
    # the shift ended ten minutes ago (auto-close waits for its 60-minute grace)
    sql(db, "UPDATE attendance_sessions SET check_in_at = now() - interval '2 hours',"
        " expected_shift_start_at = now() - interval '2 hours',"
        " expected_shift_end_at = now() - interval '10 minutes' WHERE id = %s", s["id"])
    r = post(server, m, "/check-out")
    assert r.status_code == 422 and error(r)["code"] == "VALIDATION_ERROR"
    assert error(r)["message"] == "Reason and note are required for checkout after shift end."
    assert {d["field"] for d in error(r)["details"]} == {"checkout_after_shift_reason",
                                                         "checkout_after_shift_note"}
    r = post(server, m, "/check-out", {"checkout_after_shift_reason": "overtime"})
    assert r.status_code == 422
    r = post(server, m, "/check-out", {"checkout_after_shift_reason": "OVERTIME",
                                       "checkout_after_shift_note": "month end close"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["is_overtime"] is True and done["is_early_logout"] is False
    assert done["checkout_after_shift_note"] == "month end close"
    assert done["worked_minutes"] == 120 and done["attendance_classification"] == "half_day"


def test_early_check_out_needs_a_reason(server, db):
    ws = make_workspace(db)
    shift = make_shift(db, ws, "Any", "00:00", "23:59", "UTC", working_days="1,2,3,4,5,6,7")
    m = make_member(db, ws, "employee", shift_id=shift)
    s = post(server, m, "/check-in", {"work_mode": "office"}).json()
    sql(db, "UPDATE attendance_sessions SET expected_shift_end_at = now() + interval '2 hours'"
        " WHERE id = %s", s["id"])
    r = post(server, m, "/check-out", {"early_checkout_reason": " abc "})
    assert r.status_code == 400 and error(r)["code"] == "API_ERROR"
    r = post(server, m, "/check-out", {"early_checkout_reason": "Feeling unwell"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["is_early_logout"] is True and done["early_checkout_reason"] == "Feeling unwell"
    assert done["early_checkout_minutes"] in (119, 120)


# ---------------------------------------------------------------------------------------------
# Organisation used by the scope and correction tests:
#   manager M -> team lead T -> employee E1;  M -> E2;  E3 (no manager);  other manager M2;
#   admin A, HR H; a second workspace with its own admin X.


@pytest.fixture(scope="module")
def org(db):
    ws = make_workspace(db, "Org", timezone="Asia/Karachi")
    day = make_shift(db, ws, "Day", "09:00", "18:00", "Asia/Karachi", grace=15)
    dept = make_department(db, ws, "Support")
    o = {"ws": ws, "day": day, "dept": dept}
    o["A"] = make_member(db, ws, "admin")
    o["H"] = make_member(db, ws, "hr_operations")
    o["M"] = make_member(db, ws, "manager", full_name="Mona Manager")
    o["M2"] = make_member(db, ws, "manager")
    o["T"] = make_member(db, ws, "team_lead", manager=o["M"].user_id, shift_id=day)
    o["E1"] = make_member(db, ws, "employee", manager=o["T"].user_id, shift_id=day,
                          department_id=dept, full_name="Erin One")
    o["E2"] = make_member(db, ws, "employee", manager=o["M"].user_id, shift_id=day)
    o["E3"] = make_member(db, ws, "intern", shift_id=day)
    ws2 = make_workspace(db, "Elsewhere", timezone="Asia/Karachi")
    o["X"] = make_member(db, ws2, "admin")
    o["XE"] = make_member(db, ws2, "employee")
    sessions = {}
    for name, mode in (("T", "office"), ("E1", "wfh"), ("E2", "office"), ("E3", "office"),
                       ("M", "office"), ("A", "office"), ("XE", "office")):
        sessions[name] = past_session(db, o[name], "2024-03-04 09:00+05", "2024-03-04 18:00+05",
                                      mode=mode)
    # a second, short day for E1 (half day, late)
    sessions["E1b"] = past_session(db, o["E1"], "2024-03-05 09:40+05", "2024-03-05 11:40+05")
    o["s"] = sessions
    return o


def ids(r):
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()["items"]}


def test_history_scope_per_role(server, db, org):
    s, o = org["s"], org
    mine = ids(get(server, o["E1"], "/me"))
    assert mine == {s["E1"]["id"], s["E1b"]["id"]}

    before = audit_count(db, o["ws"], "attendance.team_view_denied")
    r = get(server, o["E1"], "/team")
    assert r.status_code == 403 and error(r)["code"] == "PERMISSION_ERROR"
    assert audit_count(db, o["ws"], "attendance.team_view_denied") == before + 1

    assert ids(get(server, o["T"], "/team")) == {s["E1"]["id"], s["E1b"]["id"]}
    # a manager sees the whole chain below: the team lead and the team lead's report
    assert ids(get(server, o["M"], "/team")) == {s["T"]["id"], s["E1"]["id"], s["E1b"]["id"],
                                                 s["E2"]["id"]}
    assert ids(get(server, o["M2"], "/team")) == set()
    everyone = {s[k]["id"] for k in ("T", "E1", "E1b", "E2", "E3", "M", "A")}
    assert ids(get(server, o["H"], "/team")) == everyone
    assert ids(get(server, o["A"], "/workspace")) == everyone  # never the other workspace
    r = get(server, o["M"], "/workspace")
    assert r.status_code == 403
    assert audit_count(db, o["ws"], "attendance.workspace_view_denied") >= 1
    assert ids(get(server, o["X"], "/workspace")) == {s["XE"]["id"]}


def test_history_filters_and_pagination(server, org):
    s, o = org["s"], org
    assert ids(get(server, o["H"], "/workspace", user_id=o["E1"].user_id,
                   date_from="2024-03-05")) == {s["E1b"]["id"]}
    assert ids(get(server, o["H"], "/workspace", department_id=o["dept"])) == {
        s["E1"]["id"], s["E1b"]["id"]}
    assert ids(get(server, o["H"], "/workspace", classification="half_day")) == {s["E1b"]["id"]}
    assert ids(get(server, o["H"], "/workspace", work_mode="wfh")) == {s["E1"]["id"]}
    assert ids(get(server, o["H"], "/workspace", date_from="2024-03-06")) == set()
    # a member outside the caller's scope filters to nothing
    assert ids(get(server, o["T"], "/team", user_id=o["E2"].user_id)) == set()
    page = get(server, o["H"], "/workspace", limit=2, offset=0).json()
    assert page["total"] == 7 and len(page["items"]) == 2 and page["limit"] == 2
    assert page["items"][0]["id"] == s["E1b"]["id"]  # newest first
    rest = get(server, o["H"], "/workspace", limit=200, offset=2).json()
    assert len(rest["items"]) == 5
    for bad in ({"date_from": "2024-13-01"}, {"limit": "0"}, {"limit": "201"},
                {"user_id": "nope"}, {"classification": "great"},
                {"date_from": "2024-03-05", "date_to": "2024-03-04"}):
        r = get(server, o["H"], "/workspace", **bad)
        assert r.status_code == 422, bad


def test_session_by_id_is_404_outside_scope(server, org):
    s, o = org["s"], org
    assert get(server, o["M"], f"/sessions/{s['E1']['id']}").status_code == 200
    assert get(server, o["T"], f"/sessions/{s['E1']['id']}/breaks").status_code == 200
    for who, sid in (("T", "E2"), ("E2", "E1"), ("M2", "E1"), ("X", "E1"), ("A", "XE")):
        r = get(server, o[who], f"/sessions/{s[sid]['id']}")
        assert r.status_code == 404, (who, sid)
        assert get(server, o[who], f"/sessions/{s[sid]['id']}/breaks").status_code == 404
    assert get(server, o["A"], "/sessions/not-a-uuid").status_code == 404
    assert get(server, o["A"], f"/sessions/{uuid.uuid4()}").status_code == 404


def test_csv_export_neutralises_formulas(server, db):
    ws = make_workspace(db)
    m = make_member(db, ws, "employee", full_name="-Minus Name")
    past_session(db, m, "2024-04-01 09:00+05", "2024-04-01 17:00+05",
                 note='=HYPERLINK("http://evil.example","x")')
    r = get(server, m, "/export", view="me", date_from="2024-04-01", date_to="2024-04-30")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attendance-me-2024-04-01-2024-04-30.csv" in r.headers["Content-Disposition"]
    lines = r.text.split("\r\n")
    assert lines[0].startswith("Business Date,Employee,Email,")
    assert len(lines) == 3 and lines[2] == ""
    row = lines[1]
    assert row.startswith("2024-04-01,'-Minus Name,")
    assert row.endswith(',"\'=HYPERLINK(""http://evil.example"",""x"")"')
    assert ",480," in row
    r = get(server, m, "/export", view="team")
    assert r.status_code == 403
    assert get(server, m, "/export", view="everything").status_code == 422


# ---------------------------------------------------------------------------------------------
# Corrections (04 §7)


def test_correction_approval_recalculates_the_session(server, db, org):
    o = org
    s = past_session(db, o["E1"], "2024-03-11 09:40+05", "2024-03-11 13:00+05")
    assert s["is_late_login"] and s["late_minutes"] == 40 and s["is_early_logout"]
    body = {"requested_check_in_at": "2024-03-11T04:00:00Z",
            "requested_check_out_at": "2024-03-11T13:05:00Z", "reason": "Badge reader was down"}
    r = patch(server, o["E1"], f"/{s['id']}/correction-request", body)
    assert r.status_code == 200, r.text
    req = r.json()
    assert req["correction_requested"] is True and req["correction"]["status"] == "pending"
    assert req["correction"]["original_check_in_at"] == s["check_in_at"]
    r = patch(server, o["E1"], f"/{s['id']}/correction-request", body)
    assert r.status_code == 409
    # the manager of the chain hears about it and sees it in the queue
    assert sql(db, "SELECT count(*) FROM notifications WHERE user_id = %s"
               " AND related_entity_type = 'attendance_correction'", o["T"].user_id)[0][0] == 1
    pending = get(server, o["M"], "/corrections/pending")
    assert pending.status_code == 200
    assert s["id"] in {x["id"] for x in pending.json()["items"]}
    assert get(server, o["M2"], "/corrections/pending").json() == {
        "items": [], "total": 0, "limit": 50, "offset": 0}
    r = get(server, o["E2"], "/corrections/pending")
    assert r.status_code == 403
    assert audit_count(db, o["ws"], "attendance.pending_corrections_denied") >= 1

    approve = {"action": "approve", "manager_comment": "confirmed with security"}
    # the team lead lacks attendance.approve_correction; the owner cannot resolve; a manager
    # outside the chain does not see the session
    r = patch(server, o["T"], f"/{s['id']}/resolve-correction", approve)
    assert r.status_code == 403
    assert audit_count(db, o["ws"], "attendance.correction_resolve_denied", s["id"]) == 1
    assert patch(server, o["E1"], f"/{s['id']}/resolve-correction", approve).status_code == 403
    r = patch(server, o["M2"], f"/{s['id']}/resolve-correction", approve)
    assert r.status_code == 404
    assert audit_count(db, o["ws"], "attendance.cross_team_correction_denied", s["id"]) == 1
    assert patch(server, o["X"], f"/{s['id']}/resolve-correction", approve).status_code == 404
    r = patch(server, o["M"], f"/{s['id']}/resolve-correction", {"action": "accept"})
    assert r.status_code == 422

    r = patch(server, o["M"], f"/{s['id']}/resolve-correction", approve)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["check_in_at"] == "2024-03-11T04:00:00.000000Z"
    assert done["check_out_at"] == "2024-03-11T13:05:00.000000Z"
    assert done["is_late_login"] is False and done["late_minutes"] == 0
    assert done["is_early_logout"] is False and done["early_checkout_minutes"] is None
    assert done["worked_minutes"] == 545 and done["attendance_classification"] == "full_day"
    assert done["is_corrected"] is True and done["correction_requested"] is False
    assert done["correction"]["status"] == "approved"
    assert done["correction"]["manager_comment"] == "confirmed with security"
    assert audit_count(db, o["ws"], "attendance.correction_approved", s["id"]) == 1
    assert audit_count(db, o["ws"], "attendance.correction_requested", s["id"]) == 1
    assert sql(db, "SELECT title FROM notifications WHERE user_id = %s"
               " AND related_entity_type = 'attendance_correction'", o["E1"].user_id) == [
        ("Attendance Correction Approved",)]
    stats = sql(db, "SELECT round(total_hours::numeric * 60), is_late_login, is_early_logout"
                " FROM daily_stats WHERE user_id = %s AND date = '2024-03-11'", o["E1"].user_id)
    assert stats == [(545, False, False)]
    r = patch(server, o["M"], f"/{s['id']}/resolve-correction", approve)
    assert r.status_code == 400
    assert error(r)["message"] == "No correction requested for this session"


def test_correction_clarify_then_reject(server, db, org):
    o = org
    s = past_session(db, o["E2"], "2024-03-12 09:00+05", "2024-03-12 18:00+05")
    r = patch(server, o["E2"], f"/{s['id']}/correction-request",
              {"requested_check_out_at": "2024-03-12T14:00:00Z", "reason": "stayed late"})
    assert r.status_code == 200, r.text
    first = r.json()["correction"]["id"]
    r = patch(server, o["M"], f"/{s['id']}/resolve-correction",
              {"action": "clarify", "manager_comment": "who confirms?"})
    assert r.status_code == 200
    assert r.json()["correction"]["status"] == "needs_clarification"
    assert r.json()["correction_requested"] is True
    # answering the clarification updates the same correction back to pending
    r = patch(server, o["E2"], f"/{s['id']}/correction-request",
              {"requested_check_out_at": "2024-03-12T14:00:00Z", "reason": "ask Mona"})
    assert r.status_code == 200
    assert r.json()["correction"]["id"] == first
    assert r.json()["correction"]["status"] == "pending"
    r = patch(server, o["H"], f"/{s['id']}/resolve-correction", {"action": "reject"})
    assert r.status_code == 200
    assert r.json()["correction"]["status"] == "rejected"
    assert r.json()["correction_requested"] is False
    assert r.json()["check_out_at"] == s["check_out_at"]  # unchanged
    assert audit_count(db, o["ws"], "attendance.correction_clarification_requested",
                       s["id"]) == 1
    assert audit_count(db, o["ws"], "attendance.correction_rejected", s["id"]) == 1


def test_correction_request_rules(server, db, org):
    o = org
    s = past_session(db, o["E3"], "2024-03-13 09:00+05", "2024-03-13 18:00+05")
    path = f"/{s['id']}/correction-request"
    ok = {"requested_check_in_at": "2024-03-13T03:50:00Z", "reason": "came early"}
    # a peer does not see the session (404, audited); the manager sees but may not ask (403)
    r = patch(server, o["E1"], path, ok)
    assert r.status_code == 404
    assert audit_count(db, o["ws"], "attendance.correction_idor_denied", s["id"]) == 1
    e2 = past_session(db, o["E2"], "2024-03-14 09:00+05", "2024-03-14 18:00+05")
    r = patch(server, o["M"], f"/{e2['id']}/correction-request", ok)
    assert r.status_code == 403 and error(r)["message"] == "Access denied"
    for bad, field in (
            ({"reason": "no times"}, "requested_check_in_at"),
            ({"requested_check_out_at": "2024-03-13T03:00:00Z", "reason": "x"},
             "requested_check_out_at"),
            ({"requested_check_in_at": "2999-01-01T00:00:00Z", "reason": "x"},
             "requested_check_in_at"),
            ({"requested_check_in_at": "2024-03-13 03:50", "reason": "x"},
             "requested_check_in_at"),
            ({"requested_check_in_at": "2024-03-13T03:50:00Z", "reason": "  "}, "reason")):
        r = patch(server, o["E3"], path, bad)
        assert r.status_code == 422, (bad, r.text)
        assert field in {d["field"] for d in error(r)["details"]}, (bad, r.text)
    # corrected times may not overlap another session of the member
    past_session(db, o["E3"], "2024-03-13 19:00+05", "2024-03-13 20:00+05",
                 after=("overtime", "evening release"))
    r = patch(server, o["E3"], path, {"requested_check_out_at": "2024-03-13T14:30:00Z",
                                      "reason": "overlap"})
    assert r.status_code == 422
    # an admin may ask on the member's behalf
    r = patch(server, o["A"], path, ok)
    assert r.status_code == 200 and r.json()["correction"]["user_id"] == o["E3"].user_id
    assert patch(server, o["A"], f"/{uuid.uuid4()}/correction-request", ok).status_code == 404


# ---------------------------------------------------------------------------------------------
# Daily status with holidays and leave; exceptions


@pytest.fixture(scope="module")
def calendar(db):
    """June 2024: Mon 3 holiday, Tue 4 sick leave, Wed 5 WFH leave, Thu 6 late session,
    Fri 7 nothing, Sat 8 weekend."""
    ws = make_workspace(db, "Calendar", timezone="Asia/Karachi")
    day = make_shift(db, ws, "Day", "09:00", "18:00", "Asia/Karachi", grace=15)
    boss = make_member(db, ws, "manager")
    m = make_member(db, ws, "employee", manager=boss.user_id, shift_id=day)
    peer = make_member(db, ws, "employee", shift_id=day)
    sql(db, "UPDATE memberships SET joined_at = '2024-05-01' WHERE workspace_id = %s", ws)
    sql(db, "INSERT INTO holidays (workspace_id, name, holiday_date) VALUES (%s, 'Founders',"
        " '2024-06-03')", ws)
    for start, kind in (("2024-06-04", "sick"), ("2024-06-05", "wfh")):
        sql(db, "INSERT INTO leave_requests (workspace_id, user_id, start_date, end_date,"
            " leave_type, status, reason) VALUES (%s, %s, %s, %s, %s, 'approved', 'r')",
            ws, m.user_id, start, start, kind)
    late = past_session(db, m, "2024-06-06 09:30+05", "2024-06-06 18:00+05")
    return {"ws": ws, "boss": boss, "m": m, "peer": peer, "late": late}


def test_daily_status_with_holidays_and_leave(server, calendar):
    c = calendar
    r = get(server, c["m"], "/days", date_from="2024-06-03", date_to="2024-06-08")
    assert r.status_code == 200, r.text
    days = {d["date"]: d for d in r.json()["days"]}
    assert {k: v["status"] for k, v in days.items()} == {
        "2024-06-03": "holiday", "2024-06-04": "on_leave", "2024-06-05": "wfh",
        "2024-06-06": "late", "2024-06-07": "absent", "2024-06-08": "non_working_day"}
    assert days["2024-06-03"]["holiday_name"] == "Founders"
    assert days["2024-06-04"]["leave_type"] == "sick"
    assert days["2024-06-06"]["session_id"] == c["late"]["id"]
    assert days["2024-06-06"]["late_minutes"] == 30
    assert days["2024-06-06"]["shift_start_at"] == "2024-06-06T04:00:00.000000Z"
    # before joining is not absence
    r = get(server, c["m"], "/days", date_from="2024-04-29", date_to="2024-04-30")
    assert [d["status"] for d in r.json()["days"]] == ["not_joined", "not_joined"]
    # the manager may look, a peer may not
    r = get(server, c["boss"], "/days", user_id=c["m"].user_id, date_from="2024-06-07",
            date_to="2024-06-07")
    assert r.status_code == 200 and r.json()["days"][0]["status"] == "absent"
    r = get(server, c["peer"], "/days", user_id=c["m"].user_id)
    assert r.status_code == 404
    r = get(server, c["m"], "/days", date_from="2024-01-01", date_to="2024-06-01")
    assert r.status_code == 422


def test_exceptions_generation_and_resolution(server, db, calendar):
    c = calendar
    r = get(server, c["boss"], "/exceptions", start_date="2024-06-03", end_date="2024-06-08")
    assert r.status_code == 200, r.text
    body = r.json()
    got = {(e["business_date"], e["type"]) for e in body["exceptions"]}
    # no absence on the holiday, the leave days or the weekend
    assert got == {("2024-06-07", "absent"), ("2024-06-06", "late")}
    assert body["summary"]["absent"] == 1 and body["summary"]["late"] == 1
    assert body["summary"]["open"] == 2
    late = next(e for e in body["exceptions"] if e["type"] == "late")
    assert late["reason"] == "Late by 30 minutes" and late["shift_start"] == "09:00"
    assert late["user_id"] == c["m"].user_id and late["check_in_at"] == c["late"]["check_in_at"]
    assert [e["business_date"] for e in body["exceptions"]] == ["2024-06-07", "2024-06-06"]
    # idempotent: listing again creates nothing new
    again = get(server, c["boss"], "/exceptions", start_date="2024-06-03",
                end_date="2024-06-08").json()
    assert sorted(e["id"] for e in again["exceptions"]) == sorted(
        e["id"] for e in body["exceptions"])
    # a self-service member sees only their own, and no one else's by user_id
    mine = get(server, c["peer"], "/exceptions", start_date="2024-06-03", end_date="2024-06-08")
    assert {e["user_id"] for e in mine.json()["exceptions"]} == {c["peer"].user_id}
    r = get(server, c["peer"], "/exceptions", user_id=c["m"].user_id)
    assert r.status_code == 403
    r = get(server, c["boss"], "/exceptions", start_date="2024-06-08", end_date="2024-06-03")
    assert r.status_code == 422 and error(r)["message"] == "end_date must be after start_date"

    absent = next(e for e in body["exceptions"] if e["type"] == "absent")
    r = post(server, c["peer"], f"/exceptions/{absent['id']}/resolve", {"resolution_note": "ok!"})
    assert r.status_code == 403
    r = post(server, c["boss"], f"/exceptions/{absent['id']}/resolve", {"resolution_note": "ab"})
    assert r.status_code == 422
    r = post(server, c["boss"], f"/exceptions/{absent['id']}/resolve",
             {"resolution_note": "Called in sick, leave filed late"})
    assert r.status_code == 200 and r.json() == {"status": "resolved"}
    r = post(server, c["boss"], f"/exceptions/{absent['id']}/resolve",
             {"resolution_note": "again"})
    assert r.status_code == 409
    r = post(server, c["boss"], f"/exceptions/{late['id']}/dismiss")
    assert r.status_code == 200 and r.json() == {"status": "dismissed"}
    assert post(server, c["boss"], f"/exceptions/{uuid.uuid4()}/dismiss").status_code == 404
    other_boss = make_member(db, c["ws"], "manager")
    assert post(server, other_boss, f"/exceptions/{late['id']}/dismiss").status_code == 404
    assert audit_count(db, c["ws"], "ATTENDANCE_EXCEPTION_RESOLVED", absent["id"]) == 1
    assert audit_count(db, c["ws"], "ATTENDANCE_EXCEPTION_DISMISSED", late["id"]) == 1
    listed = get(server, c["boss"], "/exceptions", start_date="2024-06-03",
                 end_date="2024-06-08", status="all").json()
    assert {(e["type"], e["status"]) for e in listed["exceptions"]} == {
        ("absent", "resolved"), ("late", "dismissed")}
    assert get(server, c["boss"], "/exceptions", start_date="2024-06-03",
               end_date="2024-06-08").json()["exceptions"] == []


# ---------------------------------------------------------------------------------------------
# Auto-close on the member's own request (04 §5)


def test_stale_session_closes_on_the_members_next_request(server, db):
    ws = make_workspace(db)
    boss = make_member(db, ws, "manager")
    m = make_member(db, ws, "employee", manager=boss.user_id)
    sid = sql(db, "INSERT INTO attendance_sessions (workspace_id, user_id, check_in_at, work_mode)"
              " VALUES (%s, %s, now() - interval '17 hours', 'office') RETURNING id::text",
              ws, m.user_id)[0][0]
    assert get(server, m, "/active").json() is None
    row = sql(db, "SELECT session_status, worked_minutes, checkout_after_shift_reason,"
              " checkout_after_shift_note FROM attendance_sessions WHERE id = %s", sid)
    assert row == [("completed", 960, "auto_checkout", "Exceeded maximum active duration")]

    def count():
        return sql(db, "SELECT (SELECT count(*) FROM alerts WHERE related_entity_id = %s),"
                   " (SELECT count(*) FROM jobs WHERE kind = 'email' AND payload->>'to' = %s),"
                   " (SELECT count(*) FROM notifications WHERE related_entity_id = %s)",
                   sid, boss.email, sid)[0]

    assert count() == (1, 1, 1)
    get(server, m, "/me")
    post(server, m, "/check-in", {"work_mode": "office"})
    assert count() == (1, 1, 1)
