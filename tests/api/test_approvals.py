"""The approval center over HTTP (spec 05 §9 and its product decision): what waits for the
caller (leave and WFH requests they may decide, attendance corrections of their scope) with
counts per kind, filters and search, who may use it; and the history of the caller's own
decisions, with names and titles.

Attendance sessions and correction requests are made with the attendance SQL functions at
fixed past instants (the same code the API runs with now()).
"""
import datetime
import json

import pytest
import requests

from factories import make_member, make_workspace

MONDAY = datetime.date(2031, 3, 3)
WORKDAY = "2025-01-06"  # a past Monday for attendance sessions


def day(n):
    return (MONDAY + datetime.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def db(server, pg):
    return pg(server.database_url)


def sql(db, query, *args):
    with db.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def get(server, m, path="", **params):
    return requests.get(server.url + "/api/v1/approvals" + path, headers=m.auth(server),
                        params=params, timeout=30)


def leave(server, m, start, leave_type="annual", reason="Away"):
    r = requests.post(server.url + "/api/v1/leaves", headers=m.auth(server), timeout=30,
                      json={"start_date": start, "end_date": start, "leave_type": leave_type,
                            "reason": reason})
    assert r.status_code == 201, r.text
    return r.json()


def resolve(server, m, leave_id, action, comment=None):
    body = {"action": action, **({"manager_comment": comment} if comment else {})}
    r = requests.patch(f"{server.url}/api/v1/leaves/{leave_id}/resolve", json=body,
                       headers=m.auth(server), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def correction(db, m, date=WORKDAY, reason="Forgot to check in on time"):
    """A closed session on `date` and a pending correction of it; returns (session, correction)."""
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_check_in(%s::uuid,"
                          " %s::uuid, 'office', NULL, 4, %s::timestamptz)",
                          m.workspace_id, m.user_id, f"{date}T10:00:00+05:00")
    assert status == 201, body
    session = json.loads(body)["id"]
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_check_out(%s::uuid,"
                          " %s::uuid, NULL, NULL, 'Left early', %s::timestamptz)",
                          m.workspace_id, m.user_id, f"{date}T17:00:00+05:00")
    assert status == 200, body
    (status, body), = sql(db, "SELECT status, body FROM wos_attendance_correction_request("
                          "%s::uuid, %s::uuid, %s::uuid, %s::timestamptz, NULL, %s, NULL, NULL,"
                          " now())", m.workspace_id, m.user_id, session,
                          f"{date}T09:00:00+05:00", reason)
    assert status == 200, body
    return session, json.loads(body)["correction"]["id"]


def team(db):
    ws = make_workspace(db)
    admin = make_member(db, ws, "admin", full_name="Ada Admin")
    hr = make_member(db, ws, "hr_operations", full_name="Hana HR")
    boss = make_member(db, ws, "manager", full_name="Mona Manager")
    emp = make_member(db, ws, "employee", manager=boss.user_id, full_name="Eli Employee")
    emp2 = make_member(db, ws, "employee", manager=boss.user_id, full_name="Zed Zero")
    return ws, admin, hr, boss, emp, emp2


def test_center_lists_what_waits_for_me_with_counts(server, db):
    ws, admin, hr, boss, emp, emp2 = team(db)
    lv = leave(server, emp, day(0), reason="Family trip")
    wfh = leave(server, emp2, day(1), leave_type="wfh", reason="Plumber")
    session, corr = correction(db, emp2)
    hr_own = leave(server, hr, day(2))

    r = get(server, boss)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["counts"] == {"leave": 1, "wfh": 1, "attendance_correction": 1}
    assert got["summary"] == {"total": 3, "pending": 3, "escalated": 0, "needs_revision": 0}
    assert [i["id"] for i in got["items"]] == [corr, wfh["id"], lv["id"]]  # newest first
    c, w, item = got["items"]
    assert item["type"] == "leave" and item["title"] == "Leave Request"
    assert item["user_name"] == "Eli Employee" and item["user_email"] == emp.email
    assert item["status"] == "pending" and item["business_date"] == day(0)
    assert item["description"] == "Family trip" and item["action_url"] == "/manager/approvals"
    assert item["available_actions"] == ["review", "approve", "reject", "clarify", "escalate"]
    assert item["details"]["days"] == 1 and item["details"]["leave_type"] == "annual"
    assert w["type"] == "wfh" and w["title"] == "WFH Request"
    assert c["type"] == "attendance_correction" and c["title"] == "Attendance Correction"
    assert c["business_date"] == WORKDAY and c["details"]["session_id"] == session
    assert c["description"] == "Forgot to check in on time"
    assert c["available_actions"] == ["review", "approve", "reject", "clarify"]

    assert [i["id"] for i in get(server, boss, type="wfh").json()["items"]] == [wfh["id"]]
    assert [i["id"] for i in get(server, boss, type="attendance_correction").json()["items"]] \
        == [corr]
    assert {i["id"] for i in get(server, boss, search="ZED").json()["items"]} == \
        {wfh["id"], corr}
    assert [i["id"] for i in get(server, boss, search="leave req").json()["items"]] == \
        [lv["id"]]
    assert [i["id"] for i in get(server, boss, date=day(0)).json()["items"]] == [lv["id"]]
    today = datetime.date.today().isoformat()
    assert len(get(server, boss, start_date=today).json()["items"]) == 3
    limited = get(server, boss, limit=1).json()
    assert len(limited["items"]) == 1 and limited["summary"]["total"] == 3

    resolve(server, boss, lv["id"], "clarified", "Which trip?")
    assert get(server, boss).json()["counts"] == {"leave": 0, "wfh": 1,
                                                  "attendance_correction": 1}
    waiting = get(server, boss, status="needs_revision").json()
    assert [(i["id"], i["status"], i["available_actions"]) for i in waiting["items"]] == [
        (lv["id"], "needs_revision", ["review"])]
    assert waiting["summary"]["needs_revision"] == 1
    assert get(server, boss, status="all").json()["summary"]["total"] == 3

    # admin/HR: every undecided request but their own, every correction of the workspace
    h = get(server, hr).json()
    assert h["counts"] == {"leave": 0, "wfh": 1, "attendance_correction": 1}
    assert {i["action_url"] for i in h["items"]} == {"/hr/approvals"}
    a = get(server, admin).json()
    assert {i["id"] for i in a["items"]} == {hr_own["id"], wfh["id"], corr}

    # a team lead decides their reports' leave but holds no attendance.approve_correction
    lead = make_member(db, ws, "team_lead")
    report = make_member(db, ws, "intern", manager=lead.user_id)
    theirs = leave(server, report, day(3))
    correction(db, report)
    assert [i["id"] for i in get(server, lead).json()["items"]] == [theirs["id"]]
    assert get(server, boss).json()["summary"]["total"] == 2  # not in the manager's chain

    r = get(server, emp)
    assert r.status_code == 403 and r.json()["error"]["message"] == "Access denied"
    for bad in ({"type": "eod"}, {"status": "approved"}, {"limit": "0"}, {"date": "soon"},
                {"search": "x" * 101}):
        r = get(server, boss, **bad)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == list(bad)[0]
    other = make_member(db, make_workspace(db), "admin")
    assert get(server, other).json()["summary"]["total"] == 0


def test_history_lists_my_decisions(server, db):
    ws, admin, hr, boss, emp, emp2 = team(db)
    lv = leave(server, emp, day(0))
    wfh = leave(server, emp2, day(1), leave_type="wfh")
    session, corr = correction(db, emp2)
    assert get(server, boss, "/history").json() == {"items": [], "total": 0, "limit": 50,
                                                     "offset": 0}
    resolve(server, boss, lv["id"], "approved", "Enjoy")
    resolve(server, boss, wfh["id"], "rejected", "Office day")
    r = requests.patch(f"{server.url}/api/v1/attendance/{session}/resolve-correction",
                       json={"action": "approve", "manager_comment": "Fixed"},
                       headers=boss.auth(server), timeout=30)
    assert r.status_code == 200, r.text

    h = get(server, boss, "/history").json()
    assert h["total"] == 3
    assert [(i["type"], i["decision"], i["comment"], i["user_name"]) for i in h["items"]] == [
        ("attendance_correction", "approved", "Fixed", "Zed Zero"),
        ("wfh", "rejected", "Office day", "Zed Zero"),
        ("leave", "approved", "Enjoy", "Eli Employee")]
    assert [i["id"] for i in h["items"]] == [corr, wfh["id"], lv["id"]]
    assert h["items"][2]["title"] == "Leave Request" and h["items"][2]["current_status"] \
        == "approved"
    assert h["items"][0]["business_date"] == WORKDAY
    assert all("user_id" not in i for i in h["items"])
    assert [i["id"] for i in get(server, boss, "/history", type="leave").json()["items"]] == \
        [lv["id"]]
    page = get(server, boss, "/history", limit=1, offset=1).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [wfh["id"]]

    # an automatic escalation is not the new approver's decision; a manual one is the actor's
    late = leave(server, emp, day(5))
    sql(db, "UPDATE approval_timeline SET created_at = created_at - interval '49 hours'"
        " WHERE entity_id = %s", late["id"])
    assert sql(db, "SELECT wos_leave_escalate_due(now(), %s)", ws) == [(1,)]
    assert get(server, hr, "/history").json()["total"] == 0
    resolve(server, hr, late["id"], "rejected", "Too late")
    assert [i["decision"] for i in get(server, hr, "/history").json()["items"]] == ["rejected"]
    up = leave(server, emp, day(6))
    resolve(server, boss, up["id"], "escalated", "HR should decide")
    first = get(server, boss, "/history").json()["items"][0]
    assert (first["id"], first["decision"], first["comment"]) == (up["id"], "escalated",
                                                                  "HR should decide")
    assert get(server, emp, "/history").json()["total"] == 0
    assert get(server, boss, "/history", offset=-1).status_code == 422
